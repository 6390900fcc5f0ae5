"""The privacy notice. Its version is recorded with each consent; change the version
whenever the text changes in substance, so that people are asked again."""

NOTICE_VERSION = "2026-11"
