"""Turn client errors into sentences a requester or partner understands (no codes, no traces)."""
from __future__ import annotations

from ui.api_client import ApiError, ServiceDown
from ui.i18n import t


def friendly_message(exc: BaseException, lang: str) -> str:
    if isinstance(exc, ServiceDown):
        return t("err_timeout", lang) if exc.timeout else t("err_down", lang, url=exc.url)
    if isinstance(exc, ApiError):
        detail = exc.message.strip().rstrip(".") or exc.code
        if exc.field:
            detail = f"{detail} ({t('err_field', lang, field=exc.field)})"
        status = exc.status
        if status in (400, 422):
            return t("err_400", lang, detail=detail)
        if status in (401, 403, 429):
            return t(f"err_{status}", lang)
        if status in (404, 409, 413, 415):
            return t(f"err_{status}", lang, detail=detail)
        if status == 503:
            return t("err_503", lang)
        if status >= 500:
            return t("err_5xx", lang)
        return t("err_other", lang, detail=detail)
    return t("err_unexpected", lang)
