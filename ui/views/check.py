"""Check my draft (partner): score, flags and concrete suggestions before sending; re-checks on edit."""
from __future__ import annotations

from typing import Any

import streamlit as st

from ui import common
from ui.examples import good_reply_example
from ui.i18n import t
from ui.payload import UPLOAD_TYPES, ReplyDraft, build_reply, build_request, file_problem, fingerprint
from ui.render import check_html, suggestions_html


def _files(uploads: list[Any] | None, lg: str) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for up in uploads or []:
        problem = file_problem(up.name, up.size)
        if problem == "bad_type":
            st.warning(t("file_bad_type", lg, name=up.name))
        elif problem == "too_big":
            st.warning(t("file_too_big", lg, name=up.name, limit=10))
        else:
            files.append((up.name, up.getvalue()))
    return files


def _run_check(request: dict[str, Any], draft: dict[str, Any], fp: str, lg: str) -> None:
    response = common.call(lambda: common.client().check(request, draft), spinner=t("loading", lg))
    if isinstance(response, dict):
        st.session_state["chk_result"] = {"response": response, "draft": draft, "fingerprint": fp}


def _render_result(fp: str, lg: str) -> None:
    st.subheader(t("check_result_header", lg))
    state = st.session_state.get("chk_result")
    if not state:
        st.info(t("check_empty_hint", lg), icon=":material/info:")
        return
    if state["fingerprint"] != fp:
        st.warning(t("draft_changed", lg), icon=":material/sync_problem:")
    response = state["response"]
    st.html(check_html(response, state["draft"], lg))
    st.subheader(t("suggestions_header", lg))
    suggestions = [s for s in response.get("suggestions") or [] if isinstance(s, dict)]
    if suggestions:
        st.html(f'<div data-testid="rs-suggestions">{suggestions_html(suggestions, lg)}</div>')
    else:
        st.success(t("suggestions_none", lg), icon=":material/check_circle:")


def _render_example(request_text: str, author: str | None, lg: str) -> None:
    st.subheader(t("example_header", lg))
    if not request_text.strip():
        st.caption(t("example_need_request", lg))
        return
    st.caption(t("example_note", lg))
    _, example = good_reply_example(request_text, author)
    st.code(example, language=None, wrap_lines=True)


def page() -> None:
    lg = common.lang()
    st.title(t("check_title", lg))
    st.caption(t("check_intro", lg))
    left, right = st.columns([5, 7], gap="large")
    with left:
        request_text = common.persistent(
            st.text_area, t("request_label", lg), "chk_request", placeholder=t("request_placeholder", lg), height=130
        ) or ""
        author = common.persistent(st.text_input, t("requester_name", lg), "chk_author") or None
        draft_text = common.persistent(
            st.text_area, t("draft_label", lg), "chk_draft", placeholder=t("draft_placeholder", lg), height=240
        ) or ""
        uploads = st.file_uploader(
            t("attach_label", lg), type=UPLOAD_TYPES, accept_multiple_files=True, key="chk_files"
        )
        files = _files(uploads, lg)
        auto = common.persistent(st.toggle, t("auto_recheck", lg), "chk_auto", default=True)
        pressed = st.button(
            t("check_button", lg), type="primary", key="chk_go", width="stretch", icon=":material/task_alt:"
        )
    draft_obj = ReplyDraft("draft", draft_text, files=files)
    fp = fingerprint(request_text.strip(), author, draft_text.strip(), [(n, len(b)) for n, b in files])
    with right:
        previous = st.session_state.get("chk_result")
        edited = previous is not None and previous["fingerprint"] != fp
        if pressed or (auto and edited):
            if not request_text.strip():
                st.warning(t("need_request", lg), icon=":material/edit:")
            elif draft_obj.is_empty:
                st.warning(t("need_draft", lg), icon=":material/edit:")
            else:
                _run_check(build_request(request_text, author=author), build_reply(draft_obj), fp, lg)
        _render_result(fp, lg)
        st.divider()
        _render_example(request_text, author, lg)


page()
