"""Streamlit helpers shared by the pages: cached client, language, errors, persistent inputs."""
from __future__ import annotations

import logging
from typing import Any, Callable, TypeVar

import streamlit as st

from replyscreen.settings import Settings, get_settings
from ui.api_client import ApiClient, ApiClientError, ApiError, ServiceDown
from ui.errors import friendly_message
from ui.i18n import DEFAULT_LANG, LANG_NAMES, LANGS, normalize_lang, t

logger = logging.getLogger("replyscreen.ui")
T = TypeVar("T")


def settings() -> Settings:
    return get_settings()


@st.cache_resource(show_spinner=False)
def _client(api_url: str, api_key: str | None) -> ApiClient:
    """One pooled HTTP client per (url, key) for the whole server: reruns reuse connections."""
    return ApiClient(api_url, api_key)


def client() -> ApiClient:
    s = settings()
    return _client(s.api_url, s.api_key)


# ------------------------------------------------------------------------ language
def init_lang() -> str:
    """Session language: first from ?lang=, then the sidebar switch; Russian by default."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = normalize_lang(st.query_params.get("lang", DEFAULT_LANG))
    st.session_state["lang"] = normalize_lang(st.session_state["lang"])
    return st.session_state["lang"]


def lang() -> str:
    return normalize_lang(st.session_state.get("lang", DEFAULT_LANG))


def _lang_changed() -> None:
    st.query_params["lang"] = lang()


def language_switch() -> None:
    st.sidebar.radio(
        t("language", lang()),
        LANGS,
        format_func=lambda code: LANG_NAMES[code],
        key="lang",
        horizontal=True,
        on_change=_lang_changed,
    )


# ------------------------------------------------------------------------ service status
@st.cache_data(ttl=10, show_spinner=False)
def _health(api_url: str, api_key: str | None) -> tuple[bool, str]:
    try:
        _client(api_url, api_key).health()
        return True, ""
    except ServiceDown as exc:
        return False, exc.reason
    except ApiError as exc:  # answering at all means it is up; auth problems show on use
        return True, exc.code


def service_up() -> bool:
    s = settings()
    return _health(s.api_url, s.api_key)[0]


def status_box() -> None:
    lg = lang()
    s = settings()
    with st.sidebar:
        if service_up():
            st.success(t("status_ok", lg), icon=":material/check_circle:")
        else:
            st.error(t("status_down", lg), icon=":material/cloud_off:")
            if st.button(t("status_recheck", lg), key="status_recheck"):
                _health.clear()
                st.rerun()
        st.caption(t("status_url", lg, url=s.api_url))


# ------------------------------------------------------------------------ errors
def show_error(exc: BaseException) -> None:
    """Friendly message on the page; the technical detail goes to the server log only."""
    if isinstance(exc, ServiceDown):
        _health.clear()
    if not isinstance(exc, ApiClientError):
        logger.exception("unexpected UI error", exc_info=exc)
    else:
        logger.warning("API call failed: %s", exc)
    st.error(friendly_message(exc, lang()), icon=":material/error:")


def call(fn: Callable[[], T], spinner: str | None = None) -> T | None:
    """Run one API call; on failure show the friendly message and return None."""
    try:
        if spinner:
            with st.spinner(spinner):
                return fn()
        return fn()
    except ApiClientError as exc:
        show_error(exc)
        return None


# ------------------------------------------------------------------------ persistent inputs
def persistent(widget: Callable[..., Any], label: str, store_key: str, default: Any = "", **kwargs: Any) -> Any:
    """A widget whose value survives page switches.

    Streamlit drops a widget's state when a run does not render it (e.g. on another page), so
    the value is mirrored into `store_key` and the widget (key `w_<store_key>`) is re-seeded
    from it when it comes back.
    """
    wkey = f"w_{store_key}"
    if wkey not in st.session_state:
        st.session_state[wkey] = st.session_state.get(store_key, default)
    value = widget(label, key=wkey, **kwargs)
    st.session_state[store_key] = value
    return value


def set_persistent(store_key: str, value: Any) -> None:
    """Change a persistent widget's value (only from callbacks, before the widget renders)."""
    st.session_state[store_key] = value
    st.session_state[f"w_{store_key}"] = value
