"""Screen replies (requester): request + replies in, ranked cards out, with filters and export."""
from __future__ import annotations

import time
from datetime import date, datetime
from datetime import time as dtime
from typing import Any

import streamlit as st

from ui import common
from ui.export import ranking_rows, to_csv, to_json
from ui.i18n import FLAG_CODES, flag_label, t
from ui.paste import PastedReply, format_time, parse_time_input, split_replies
from ui.payload import UPLOAD_TYPES, ReplyDraft, build_screen, combine, file_problem, fingerprint, strip_content
from ui.render import card_html, md_escape


# ---------------------------------------------------------------------------- state
def _items() -> list[dict[str, Any]]:
    return st.session_state.setdefault("scr_items", [])


def _new_uid() -> str:
    st.session_state["scr_seq"] = st.session_state.get("scr_seq", 0) + 1
    return f"i{st.session_state['scr_seq']}"


def _new_item(text: str, author: str | None = None, sent_at: datetime | None = None) -> dict[str, Any]:
    """A reply being edited; `gen` renews the file uploader's key after each upload."""
    return {"uid": _new_uid(), "text": text, "author": author, "sent_at": sent_at, "files": [], "gen": 0}


def _add_items(pasted: list[PastedReply]) -> None:
    for p in pasted:
        _items().append(_new_item(p.text, p.author, p.sent_at))


def _widget_value(store_key: str) -> Any:
    """Inside callbacks the widget key holds the newest value; the mirror lags one run."""
    return st.session_state.get(f"w_{store_key}", st.session_state.get(store_key, ""))


def _add_pasted() -> None:
    pasted = split_replies(_widget_value("scr_paste") or "")
    if not pasted:
        st.session_state["scr_notice"] = ("warning", t("paste_nothing", common.lang()))
        return
    _add_items(pasted)
    common.set_persistent("scr_paste", "")
    st.session_state["scr_notice"] = ("success", t("paste_added", common.lang(), n=len(pasted)))


def _add_empty() -> None:
    _items().append(dict(_new_item(""), open=True))


def _delete(uid: str) -> None:
    st.session_state["scr_items"] = [i for i in _items() if i["uid"] != uid]
    for key in [k for k in st.session_state if isinstance(k, str) and k.endswith(f"_{uid}")]:
        del st.session_state[key]


def _clear_all() -> None:
    for item in list(_items()):
        _delete(item["uid"])
    common.set_persistent("scr_paste", "")
    common.set_persistent("scr_request", "")
    st.session_state.pop("scr_result", None)


def _consume_files(uid: str) -> None:
    """Move uploaded files into the reply and reset the uploader (so they survive page switches)."""
    item = next((i for i in _items() if i["uid"] == uid), None)
    if item is None:
        return
    uploads = st.session_state.get(f"w_scr_files_{uid}_{item['gen']}") or []
    warnings: list[str] = []
    for up in uploads:
        problem = file_problem(up.name, up.size)
        if problem == "bad_type":
            warnings.append(t("file_bad_type", common.lang(), name=up.name))
        elif problem == "too_big":
            warnings.append(t("file_too_big", common.lang(), name=up.name, limit=10))
        elif all(name != up.name for name, _ in item["files"]):
            item["files"].append((up.name, up.getvalue()))
    item["gen"] += 1
    item["open"] = True
    if warnings:
        st.session_state["scr_notice"] = ("warning", " ".join(warnings))


def _remove_files(uid: str) -> None:
    for item in _items():
        if item["uid"] == uid:
            item["files"] = []


def _on_screen() -> None:
    """Unadded pasted text is added first — pressing «Screen» right after pasting just works."""
    pasted = split_replies(_widget_value("scr_paste") or "")
    if pasted:
        _add_items(pasted)
        common.set_persistent("scr_paste", "")
    st.session_state["scr_pending"] = time.perf_counter()


# ---------------------------------------------------------------------------- inputs
def _render_items(lg: str) -> list[ReplyDraft]:
    drafts: list[ReplyDraft] = []
    items = _items()
    st.markdown(f"**{t('replies_header', lg, n=len(items))}**")
    if not items:
        st.caption(t("replies_empty", lg))
    for number, item in enumerate(items, start=1):
        uid = item["uid"]
        preview = md_escape(item.get("author") or " ".join(item["text"].split())[:60]) or t("reply_empty_text", lg)
        clip = " :material/attach_file:" if item["files"] else ""
        with st.expander(f"{t('reply_title', lg, n=number)} · {preview}{clip}", expanded=bool(item.get("open"))):
            tkey = f"w_scr_text_{uid}"
            if tkey not in st.session_state:
                st.session_state[tkey] = item["text"]
            item["text"] = st.text_area(t("reply_text", lg), key=tkey, height=120)
            akey = f"w_scr_author_{uid}"
            if akey not in st.session_state:
                st.session_state[akey] = item.get("author") or ""
            skey = f"w_scr_sent_{uid}"
            if skey not in st.session_state:
                st.session_state[skey] = format_time(item.get("sent_at"))
            c1, c2 = st.columns([3, 2])
            item["author"] = c1.text_input(t("author_label", lg), key=akey) or None
            sent_text = c2.text_input(t("sent_at_label", lg), key=skey, placeholder="02.03.2026 10:14")
            try:
                item["sent_at"] = parse_time_input(sent_text or "")
            except ValueError:
                item["sent_at"] = None
                st.warning(t("bad_time", lg), icon=":material/schedule:")
            st.file_uploader(
                t("attach_label", lg),
                type=UPLOAD_TYPES,
                accept_multiple_files=True,
                key=f"w_scr_files_{uid}_{item['gen']}",
                on_change=_consume_files,
                args=(uid,),
            )
            if item["files"]:
                f1, f2 = st.columns([3, 2])
                f1.caption(t("attached_files", lg, files=", ".join(name for name, _ in item["files"])))
                f2.button(t("remove_files", lg), key=f"scr_rmfiles_{uid}", on_click=_remove_files, args=(uid,))
            st.button(
                t("reply_delete", lg), key=f"scr_del_{uid}", on_click=_delete, args=(uid,), icon=":material/delete:"
            )
        drafts.append(ReplyDraft(uid, item["text"], item.get("author"), item.get("sent_at"), list(item["files"])))
    return drafts


def _inputs_fingerprint(request_text: str, closed_at: datetime | None, drafts: list[ReplyDraft]) -> str:
    return fingerprint(
        request_text.strip(),
        closed_at,
        [(d.text.strip(), d.author, d.sent_at, [(n, len(b)) for n, b in d.files]) for d in drafts],
    )


# ---------------------------------------------------------------------------- screening
def _run_screen(
    request_text: str, closed_at: datetime | None, drafts: list[ReplyDraft], lg: str, started: float
) -> None:
    if not request_text.strip():
        st.warning(t("need_request", lg), icon=":material/edit:")
        return
    request, replies, skipped = build_screen(request_text, closed_at, drafts)
    if not replies:
        st.warning(t("need_replies", lg), icon=":material/edit:")
        return
    response = common.call(lambda: common.client().screen(request, replies), spinner=t("loading", lg))
    if not isinstance(response, dict):
        return
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    result = {
        "response": response,
        "request": request,
        "replies": replies,
        "fingerprint": _inputs_fingerprint(request_text, closed_at, drafts),
        "elapsed_ms": elapsed_ms,
        "skipped": skipped,
        "at": datetime.now().replace(microsecond=0).isoformat(sep=" "),
    }
    st.session_state["scr_result"] = result
    for key in ("flt_flags", "flt_hide"):
        st.session_state.pop(key, None)


def _render_results(lg: str, current_fp: str) -> None:
    st.subheader(t("results_header", lg))
    state = st.session_state.get("scr_result")
    if not state:
        st.info(t("results_empty_hint", lg), icon=":material/info:")
        return
    response = state["response"]
    results = [r for r in response.get("results") or [] if isinstance(r, dict)]
    replies_by_id = {str(r.get("id")): r for r in state["replies"]}
    if state["fingerprint"] != current_fp:
        st.warning(t("results_stale", lg), icon=":material/sync_problem:")
    if state.get("skipped"):
        st.caption(t("skipped_empty", lg, n=state["skipped"]))
    relevant = sum(1 for r in results if r.get("relevant"))
    model = response.get("model_version") or "?"
    st.caption(t("results_summary", lg, n=len(results), rel=relevant, model=model, ms=state["elapsed_ms"]))
    present = [c for c in FLAG_CODES if any(f.get("code") == c for r in results for f in r.get("flags") or [])]
    present += sorted({str(f.get("code")) for r in results for f in r.get("flags") or []} - set(present))
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    chosen = c1.multiselect(
        t("filter_flags", lg), present, format_func=lambda c: flag_label(c, lg), key="flt_flags", placeholder="—"
    )
    hide = c2.toggle(t("filter_hide_irrelevant", lg), key="flt_hide")
    shown = [
        r
        for r in sorted(results, key=lambda r: r.get("rank") or 0)
        if (not hide or r.get("relevant"))
        and (not chosen or any(f.get("code") in chosen for f in r.get("flags") or []))
    ]
    d1, d2, d3 = st.columns([2, 2, 3], vertical_alignment="center")
    rows = ranking_rows(results, replies_by_id, lg)
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    d1.download_button(
        t("export_csv", lg),
        to_csv(rows),
        file_name=f"replyscreen-{stamp}.csv",
        mime="text/csv",
        key="dl_csv",
        icon=":material/download:",
    )
    d2.download_button(
        t("export_json", lg),
        to_json(state["request"], [strip_content(r) for r in state["replies"]], response),
        file_name=f"replyscreen-{stamp}.json",
        mime="application/json",
        key="dl_json",
        icon=":material/download:",
    )
    d3.caption(t("shown_of", lg, shown=len(shown), total=len(results)))
    if not shown:
        st.info(t("filter_none_left", lg))
        return
    st.caption(t("card_legend", lg))
    cards = "".join(card_html(r, replies_by_id.get(str(r.get("id")), {}), lg) for r in shown)
    st.html(f'<div data-testid="rs-cards">{cards}</div>')


# ---------------------------------------------------------------------------- page
def page() -> None:
    lg = common.lang()
    st.title(t("screen_title", lg))
    st.caption(t("screen_intro", lg))
    left, right = st.columns([5, 7], gap="large")
    with left:
        request_text = common.persistent(
            st.text_area, t("request_label", lg), "scr_request", placeholder=t("request_placeholder", lg), height=140
        )
        closed_at = None
        if common.persistent(
            st.checkbox, t("request_closed", lg), "scr_closed", default=False, help=t("closed_help", lg)
        ):
            c1, c2 = st.columns(2)
            day: date = common.persistent(c1.date_input, t("closed_at", lg), "scr_closed_day", default=date.today())
            moment: dtime = common.persistent(
                c2.time_input, t("closed_time", lg), "scr_closed_time", default=dtime(12, 0)
            )
            closed_at = combine(day, moment)
        paste = common.persistent(
            st.text_area, t("paste_label", lg), "scr_paste", help=t("paste_help", lg), height=200,
            placeholder=t("paste_help", lg),
        )
        if paste and paste.strip():
            st.caption(t("paste_preview", lg, n=len(split_replies(paste))))
        st.button(t("paste_add", lg), key="scr_paste_add", on_click=_add_pasted, icon=":material/playlist_add:")
        notice = st.session_state.pop("scr_notice", None)
        if notice:
            getattr(st, notice[0])(notice[1])
        drafts = _render_items(lg)
        b1, b2 = st.columns(2)
        b1.button(t("reply_add_one", lg), key="scr_add_one", on_click=_add_empty)
        b2.button(t("clear_all", lg), key="scr_clear", on_click=_clear_all, icon=":material/clear_all:")
        st.button(
            t("screen_button", lg),
            type="primary",
            key="scr_go",
            on_click=_on_screen,
            width="stretch",
            icon=":material/manage_search:",
        )
    with right:
        started = st.session_state.pop("scr_pending", None)
        if started is not None:
            _run_screen(request_text or "", closed_at, drafts, lg, started)
        _render_results(lg, _inputs_fingerprint(request_text or "", closed_at, drafts))


page()
