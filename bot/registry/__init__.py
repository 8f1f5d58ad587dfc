"""The service registry (政务服务事项 / 办事指南): models, importer and the one query module."""
