"""ReplyScreen review UI — entry point: `streamlit run ui/app.py` (or `replyscreen ui`).

Three pages over the service's HTTP API: Screen replies (requesters), Check my draft
(partners), Label & retrain (maintainers). Any exception escaping a page is caught here, logged,
and replaced by a plain-language message, so no traceback ever reaches the browser.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # `streamlit run ui/app.py` puts only ui/ on the path
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from ui import common  # noqa: E402
from ui.i18n import t  # noqa: E402
from ui.render import CSS  # noqa: E402

_VIEWS = Path(__file__).resolve().parent / "views"
logger = logging.getLogger("replyscreen.ui")

st.set_page_config(
    page_title="ReplyScreen", page_icon=":material/fact_check:", layout="wide", initial_sidebar_state="expanded"
)


def main() -> None:
    lang = common.init_lang()
    pages = [
        st.Page(
            _VIEWS / "screen.py",
            title=t("nav_screen", lang),
            icon=":material/playlist_add_check:",
            url_path="screen",
            default=True,
        ),
        st.Page(_VIEWS / "check.py", title=t("nav_check", lang), icon=":material/edit:", url_path="check"),
        st.Page(_VIEWS / "label.py", title=t("nav_label", lang), icon=":material/label:", url_path="label"),
    ]
    page = st.navigation(pages, position="sidebar")
    st.html(CSS)
    with st.sidebar:
        st.markdown(f"**{t('app_title', lang)}** — {t('app_tagline', lang)}")
    common.language_switch()
    common.status_box()
    page.run()


try:
    main()
except Exception:  # noqa: BLE001 — the last line of defence; st.rerun/st.stop are BaseException
    logger.exception("page failed")
    st.error(t("err_unexpected", common.lang()), icon=":material/error:")
