// Shared by the registry console and the audit log: Chinese labels of a registry item's fields
// (seed format, data/registry/FORMAT.md) and of their paths ("situations[0].materials[1].name").
(function () {
  "use strict";
  var LABELS = {
    code: "事项编码", name: "事项名称", aliases: "别名", keywords: "关键词", category: "主题分类",
    item_type: "事项类型", agency: "实施主体", level: "行使层级", legal_basis: "设定依据", audience: "服务对象",
    conditions: "受理条件", legal_limit_days: "法定办结时限（工作日）", promised_limit_days: "承诺办结时限（工作日）",
    limit_note: "时限说明", manual_review: "需人工核实的原因", fee: "收费标准", fee_basis: "收费依据",
    online_url: "网上办理地址", online_depth: "网办深度", appointment: "可预约", express_delivery: "可快递送达",
    max_visits: "到现场次数", consult_phone: "咨询电话", complaint_phone: "投诉电话", handled_at: "办理地点",
    situation_question: "区分情形的问题", situations: "情形", materials: "办理材料", steps: "办理流程",
    source: "来源", version: "版本", updated: "更新日期", description: "说明", form: "材料形式", submit: "提交方式",
    copies: "份数",
    required: "必须提交", origin: "来源渠道", note: "备注", time_limit: "时限",
    law: "法律法规", article: "条款", doc_no: "文号", effective: "施行日期"
  };
  var LIST_LABELS = { situations: "情形", materials: "材料", steps: "步骤", aliases: "别名", keywords: "关键词",
    legal_basis: "设定依据" };

  // "situations[0].materials[1].name" → "情形 1 · 材料 2 · 材料名称"-style text.
  function pathLabel(path) {
    if (!path || path === "-") { return "整个事项"; }
    var parts = path.split(".");
    return parts.map(function (part, i) {
      var m = /^([a-z_]+)\[(\d+)\]$/.exec(part);
      if (m) { return (LIST_LABELS[m[1]] || LABELS[m[1]] || m[1]) + " " + (Number(m[2]) + 1); }
      if (i > 0 && (part === "name" || part === "code")) { return part === "name" ? "名称" : "编码"; }
      return LABELS[part] || part;
    }).join(" · ");
  }

  window.RegistryFields = { LABELS: LABELS, pathLabel: pathLabel };
})();
