"""The demo province: Lạng Sơn with the people and moves of the seed articles (see docs/demo.md)."""
