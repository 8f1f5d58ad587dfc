"""SQLAlchemy models following the fields of a Chinese 办事指南 (实施清单 entry).

Lists that are only ever read whole (aliases, audience, hours) are stored as JSON.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from bot.db import Base, UtcDateTime
from bot.registry.legal import refs_from_stored, stored


class LegalBasis(TypeDecorator):
    """An item's legal basis, records like ``{"law": "《居住证暂行条例》", "article": "第十条"}``
    (bot/registry/legal.py), kept as JSON in the TEXT column the first version held free text in:
    older rows are read by parsing that text, so no migration is needed."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Optional[Sequence[Dict[str, Any]]], dialect: Any) -> Optional[str]:
        return stored(value)

    def process_result_value(self, value: Optional[str], dialect: Any) -> List[Dict[str, str]]:
        return refs_from_stored(value)

item_locations = Table(
    "registry_item_location",
    Base.metadata,
    Column("item_id", ForeignKey("registry_item.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("registry_location.id", ondelete="CASCADE"), primary_key=True),
)


class Location(Base):
    """A service hall (区政务服务中心, 市民中心) where items are handled in person."""

    __tablename__ = "registry_location"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    district = Column(String(50))  # None for city level
    address = Column(String(300), nullable=False)
    phone = Column(String(100), nullable=False)
    latitude = Column(JSON)  # float, JSON keeps SQLite and PostgreSQL alike
    longitude = Column(JSON)
    # {"weekday": ["09:00-12:00", "13:30-17:00"], "saturday": [...], "sunday": [], "holiday": []}
    hours = Column(JSON, nullable=False)
    hours_note = Column(String(300), default="")
    transport = Column(String(300), default="")
    source = Column(String(200), nullable=False)
    updated = Column(Date, nullable=False)

    items = relationship("ServiceItem", secondary=item_locations, back_populates="locations")


class ServiceItem(Base):
    """One implementation-list entry (实施清单事项) and its guide."""

    __tablename__ = "registry_item"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), unique=True, nullable=False)  # 事项编码 (实施编码)
    name = Column(String(200), nullable=False)
    aliases: List[str] = Column(JSON, nullable=False, default=list)
    # words residents use for this matter that are not names ("首付", "租房"): they tell the item
    # apart from its neighbours when the resolver scores a question (bot/registry/resolver.py)
    keywords: List[str] = Column(JSON, nullable=False, default=list)
    category = Column(String(100), nullable=False)  # 主题分类
    item_type = Column(String(50), nullable=False)  # 行政许可 / 行政确认 / 公共服务 ...
    agency = Column(String(200), nullable=False)  # 实施主体
    level = Column(String(50), nullable=False, default="区级")  # 行使层级
    # 设定依据: [{"law", "article", "doc_no", "version", "effective", "note"}], at least one law
    legal_basis: List[Dict[str, str]] = Column(LegalBasis, default=list)
    audience: List[str] = Column(JSON, nullable=False)  # 自然人 / 企业法人 / ...
    conditions = Column(Text, nullable=False)  # 受理条件
    legal_limit_days = Column(Integer)  # 法定办结时限 (working days); None = not set by law
    promised_limit_days = Column(Integer, nullable=False)  # 承诺办结时限; 0 = 即办件
    limit_note = Column(String(300), default="")
    # 需人工核实: why the answer depends on facts only staff can check; the bot then hands over
    manual_review = Column(String(300), default="")
    fee = Column(String(300), nullable=False)  # 收费标准, "不收费" when free
    fee_basis = Column(String(300), default="")  # 收费依据, also why a free item is free
    online_url = Column(String(300), default="")
    online_depth = Column(String(50), default="")  # 全程网办 / 网上预审 / 仅线下
    appointment = Column(Boolean, default=False)
    express_delivery = Column(Boolean, default=False)
    max_visits = Column(Integer, nullable=False)  # 到现场次数 0/1/2
    consult_phone = Column(String(100), nullable=False)
    complaint_phone = Column(String(100), nullable=False)
    situation_question = Column(String(200), default="")
    source = Column(String(200), nullable=False)
    version = Column(String(50), default="")
    updated = Column(Date, nullable=False)
    # soft delete (the console's 删除): the row, its history and its code stay; the assistant no longer
    # sees it (bot/registry/repository.py) and 恢复 clears it
    deleted_at = Column(UtcDateTime, nullable=True)

    situations = relationship(
        "Situation", back_populates="item", cascade="all, delete-orphan", order_by="Situation.position"
    )
    materials = relationship(
        "Material", back_populates="item", cascade="all, delete-orphan", order_by="Material.position"
    )
    steps = relationship("Step", back_populates="item", cascade="all, delete-orphan", order_by="Step.position")
    locations = relationship("Location", secondary=item_locations, back_populates="items")

    @property
    def is_instant(self) -> bool:
        return self.promised_limit_days == 0


class Situation(Base):
    """A 情形: one applicant situation that changes which materials are needed."""

    __tablename__ = "registry_situation"
    __table_args__ = (UniqueConstraint("item_id", "code"),)

    id = Column(Integer, primary_key=True)
    item_id = Column(ForeignKey("registry_item.id", ondelete="CASCADE"), nullable=False)
    code = Column(String(64), nullable=False)
    name = Column(String(100), nullable=False)
    keywords: List[str] = Column(JSON, nullable=False, default=list)
    description = Column(String(300), default="")
    promised_limit_days = Column(Integer)  # overrides the item's when set
    fee = Column(String(300))  # overrides the item's when set
    position = Column(Integer, nullable=False, default=0)

    item = relationship("ServiceItem", back_populates="situations")
    materials = relationship("Material", back_populates="situation", order_by="Material.position")


class Material(Base):
    """A 办理材料; ``situation`` is None for materials every applicant brings."""

    __tablename__ = "registry_material"

    id = Column(Integer, primary_key=True)
    item_id = Column(ForeignKey("registry_item.id", ondelete="CASCADE"), nullable=False)
    situation_id = Column(ForeignKey("registry_situation.id", ondelete="CASCADE"))
    name = Column(String(200), nullable=False)
    form = Column(String(50), nullable=False)  # 原件 / 复印件 / 原件及复印件 (the paper kind)
    # 提交方式: 纸质 / 电子证照 (an electronic licence is accepted) / 免提交 (obtained by data sharing);
    # NULL only in rows written before the column existed, read as 纸质
    submit = Column(String(20))
    copies = Column(Integer, nullable=False, default=1)
    required = Column(Boolean, nullable=False, default=True)  # False = 容缺受理
    origin = Column(String(50), default="申请人自备")  # 申请人自备 / 部门核发
    note = Column(String(300), default="")
    position = Column(Integer, nullable=False, default=0)

    item = relationship("ServiceItem", back_populates="materials")
    situation = relationship("Situation", back_populates="materials")


class Step(Base):
    """A 办理流程 step with its own time limit."""

    __tablename__ = "registry_step"

    id = Column(Integer, primary_key=True)
    item_id = Column(ForeignKey("registry_item.id", ondelete="CASCADE"), nullable=False)
    name = Column(String(100), nullable=False)
    description = Column(String(500), default="")
    time_limit = Column(String(100), default="")
    position = Column(Integer, nullable=False, default=0)

    item = relationship("ServiceItem", back_populates="steps")


class LifeEvent(Base):
    """A life event (一件事一次办): items a resident needs for one thing in life, applied for together.

    Members are items only (an event never contains an event), in the order they are done.
    """

    __tablename__ = "registry_life_event"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), unique=True, nullable=False)
    name = Column(String(100), nullable=False)
    aliases: List[str] = Column(JSON, nullable=False, default=list)  # colloquial names (生孩子, 刚退休)
    # words residents use for the event that are not names (去世, 过世, 火化): they pick the event when the
    # question names none (bot/registry/life_event_match.py); nullable so stores.create_all can add it
    keywords: List[str] = Column(JSON, nullable=True, default=list)
    description = Column(Text, nullable=False)
    online_url = Column(String(300), nullable=False)  # the joint entry (一件事 专区)
    total_visits = Column(Integer, nullable=False)  # 到现场次数 when applied for together
    total_days = Column(Integer, nullable=False)  # working days for the whole event
    time_note = Column(String(300), default="")
    basis = Column(Text, nullable=False)  # which list or document bundles these items
    source = Column(String(200), nullable=False)
    updated = Column(Date, nullable=False)

    members = relationship("LifeEventMember", back_populates="event", cascade="all, delete-orphan",
                           order_by="LifeEventMember.position")


class LifeEventMember(Base):
    """One item of a life event, with when it applies (``optional`` / ``condition``) and what it yields."""

    __tablename__ = "registry_life_event_member"
    __table_args__ = (UniqueConstraint("event_id", "item_id"),)

    id = Column(Integer, primary_key=True)
    event_id = Column(ForeignKey("registry_life_event.id", ondelete="CASCADE"), nullable=False)
    # items are only ever soft-deleted, so a member keeps its item row
    item_id = Column(ForeignKey("registry_item.id", ondelete="RESTRICT"), nullable=False)
    position = Column(Integer, nullable=False, default=0)
    label = Column(String(50), default="")  # short name in the checklist ("医保参保")
    optional = Column(Boolean, nullable=False, default=False)  # the resident may leave it out
    condition = Column(String(200), default="")  # only for some residents ("母亲参加职工生育保险的")
    situations: List[str] = Column(JSON, nullable=False, default=list)  # the item's situations that apply; [] = all
    where = Column(String(200), default="")  # where it is done when not at the item's centres (出生医院)
    produces: List[str] = Column(JSON, nullable=False, default=list)  # materials this step yields (出生医学证明)
    note = Column(String(300), default="")

    event = relationship("LifeEvent", back_populates="members")
    item = relationship("ServiceItem")


__all__ = ["LifeEvent", "LifeEventMember", "Location", "Material", "ServiceItem", "Situation", "Step",
           "item_locations"]
