"""Label & retrain (maintainer): label stored screenings, train a candidate, compare, activate/roll back."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from ui import common
from ui.i18n import FLAG_CODES, flag_label, grade_label, t
from ui.labeling import (
    comparable_metrics,
    headline_metrics,
    is_older,
    items,
    label_order,
    labels_by_reply,
    metric_label,
    metrics_long,
    pick_candidate,
    prefill,
    preview,
)
from ui.payload import fingerprint
from ui.render import card_html, esc


def _when(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).strftime("%d.%m.%Y %H:%M")
    except ValueError:
        return str(value or "")


# ---------------------------------------------------------------------------- labeling
def _save_label(sid: str, rid: str, grade: int, flags: list[str], lg: str) -> None:
    key = fingerprint("label", sid, rid, grade, sorted(flags))
    resp = common.call(
        lambda: common.client().label_reply(sid, rid, grade, flags, idempotency_key=key), spinner=t("loading", lg)
    )
    if resp is None:
        return
    ids = resp.get("ids") if isinstance(resp, dict) else None
    st.session_state.setdefault("lbl_saved", {})[f"{sid}:{rid}"] = (ids or ["?"])[0]


def _label_reply(
    sid: str, result: dict[str, Any], reply: dict[str, Any], label: dict[str, Any] | None, lg: str
) -> None:
    rid = str(result.get("id"))
    with st.container(border=True, key=f"lblbox_{rid}"):
        st.html(card_html(result, reply, lg, framed=False))
        grade, flags = prefill(result, label)
        with st.form(key=f"lblform_{sid}_{rid}", border=False):
            c1, c2 = st.columns([2, 3])
            new_grade = c1.radio(
                t("label_grade", lg),
                [0, 1, 2, 3],
                index=grade,
                horizontal=True,
                format_func=lambda g: f"{g}",
                help=" · ".join(f"{g} — {grade_label(g, lg)}" for g in (3, 2, 1, 0)),
                key=f"lblgrade_{sid}_{rid}",
            )
            new_flags = c2.multiselect(
                t("label_flags", lg),
                list(FLAG_CODES),
                default=flags,
                format_func=lambda c: flag_label(c, lg),
                key=f"lblflags_{sid}_{rid}",
                placeholder=t("none", lg),
            )
            submitted = st.form_submit_button(t("label_save", lg), type="primary", icon=":material/save:")
        if submitted:
            _save_label(sid, rid, int(new_grade), list(new_flags), lg)
        saved = st.session_state.get("lbl_saved", {}).get(f"{sid}:{rid}")
        if saved:
            st.success(t("label_saved", lg, id=saved), icon=":material/check_circle:")
        elif label:
            names = ", ".join(flag_label(c, lg) for c in label.get("flags") or []) or t("none", lg)
            st.caption(f":material/check_circle: {t('label_saved_short', lg)}: {label.get('relevance')} · {names}")


def _labeling_tab(lg: str) -> None:
    st.subheader(t("screenings_header", lg))
    listing = common.call(lambda: common.client().screenings({"limit": 50}))
    if listing is None:
        return
    screenings = items(listing)
    if not screenings:
        st.info(t("screenings_empty", lg), icon=":material/inbox:")
    else:
        by_id = {str(s.get("screening_id")): s for s in screenings}

        def describe(sid: str) -> str:
            s = by_id[sid]
            # the id tail keeps options distinct when the same request was screened twice a minute
            return (
                f"{_when(s.get('created_at'))} · {preview(s.get('request_text'), 70)} "
                f"({s.get('n_labeled', 0)}/{s.get('n_replies', '?')}) · {sid[-6:]}"
            )

        sid = st.selectbox(t("screening_pick", lg), list(by_id), format_func=describe, key="lbl_pick")
        screening = common.call(lambda: common.client().screening(sid)) if sid else None
        if isinstance(screening, dict):
            request = screening.get("request") or {}
            with st.expander(t("screening_request", lg), expanded=False):
                st.html(f'<div class="rs-text">{esc(request.get("text"))}</div>')
            replies = {str(r.get("id")): r for r in items(screening.get("replies"), "replies")}
            labels = labels_by_reply(screening)
            st.caption(t("card_legend", lg))
            useful_first = st.radio(t("label_order", lg), [False, True], horizontal=True, key="lbl_order",
                                    help=t("label_order_help", lg),
                                    format_func=lambda v: t("label_order_useful" if v else "label_order_rank", lg))
            for result in label_order(items(screening.get("results"), "results"), labels, bool(useful_first)):
                rid = str(result.get("id"))
                _label_reply(sid, result, replies.get(rid, {}), labels.get(rid), lg)
    st.divider()
    _examples_table(lg)


def _examples_table(lg: str) -> None:
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    c1.subheader(t("examples_header", lg))
    c2.button(t("refresh", lg), key="lbl_refresh", icon=":material/refresh:")
    listing = common.call(lambda: common.client().list_examples({"limit": 100}))
    if listing is None:
        return
    rows = items(listing)
    if not rows:
        st.info(t("examples_empty", lg), icon=":material/inbox:")
        return
    total = listing.get("total", len(rows)) if isinstance(listing, dict) else len(rows)
    since = listing.get("since_active_model") if isinstance(listing, dict) else None
    caption = t("examples_count", lg, n=total)
    if isinstance(since, int):
        caption += " · " + t("examples_since_active", lg, n=since)
    st.caption(caption)
    frame = pd.DataFrame(
        [
            {
                t("col_id", lg): r.get("id"),
                t("col_grade", lg): r.get("relevance"),
                t("col_flags", lg): ", ".join(flag_label(c, lg) for c in r.get("flags") or []),
                t("col_reply", lg): preview((r.get("reply") or {}).get("text"), 120),
                t("col_request", lg): preview((r.get("request") or {}).get("text"), 80),
                t("col_created", lg): _when(r.get("updated_at") or r.get("created_at")),
            }
            for r in rows
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch", key="lbl_examples")


# ---------------------------------------------------------------------------- training and models
@st.fragment(run_every=2)
def _job_panel(job_id: str, lg: str) -> None:
    """Polls the training job every 2 s; a full rerun when it ends refreshes the model list."""
    job = common.call(lambda: common.client().job(job_id))
    if not isinstance(job, dict):
        return
    status = str(job.get("status"))
    progress = job.get("progress") or 0.0
    try:
        value = min(1.0, max(0.0, float(progress)))
    except (TypeError, ValueError):
        value = 0.0
    stage = f" · {job.get('stage')}" if job.get("stage") else ""
    st.progress(value, text=t("train_status", lg, id=job_id, status=f"{status}{stage}"))
    if status in ("succeeded", "failed"):
        st.session_state["train_result"] = job
        st.session_state.pop("train_job", None)
        st.rerun()


def _start_training(lg: str) -> None:
    job = common.call(lambda: common.client().train(), spinner=t("loading", lg))
    if isinstance(job, dict) and job.get("job_id"):
        st.session_state["train_job"] = str(job["job_id"])
        st.session_state.pop("train_result", None)


def _training(lg: str) -> None:
    st.subheader(t("train_header", lg))
    st.caption(t("train_intro", lg))
    running = st.session_state.get("train_job")
    pressed = st.button(
        t("train_button", lg), key="train_go", type="primary", disabled=bool(running), icon=":material/model_training:"
    )
    if pressed:
        _start_training(lg)
        running = st.session_state.get("train_job")
    if running:
        _job_panel(running, lg)
    done = st.session_state.get("train_result")
    if done:
        if done.get("status") == "succeeded":
            st.success(t("train_done", lg, version=done.get("model_version") or "?"), icon=":material/check_circle:")
        else:
            detail = done.get("error") or done.get("stage") or "?"
            st.error(t("train_failed", lg, detail=detail), icon=":material/error:")


def _activate(version: str, lg: str) -> bool:
    resp = common.call(lambda: common.client().activate(version), spinner=t("loading", lg))
    if not isinstance(resp, dict):
        return False  # the error message is already on the page
    st.session_state["model_notice"] = t("model_activated", lg, version=resp.get("active") or version)
    return True


def _chart(rows: list[dict[str, Any]], lg: str) -> alt.Chart:
    """Horizontal grouped bars: one row per metric, one bar per model — labels stay readable."""
    frame = pd.DataFrame(rows)
    n_models = max(1, frame["model"].nunique())
    n_metrics = max(1, frame["metric"].nunique())
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("metric:N", title=None, sort=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
            yOffset=alt.YOffset("model:N"),
            x=alt.X("value:Q", title=t("col_value", lg), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("model:N", title=t("col_model", lg), legend=alt.Legend(orient="top", labelLimit=400)),
            tooltip=[alt.Tooltip("model:N"), alt.Tooltip("metric:N"), alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=n_metrics * max(26, 10 + 14 * n_models))
    )


def _models(lg: str) -> None:
    st.subheader(t("models_header", lg))
    notice = st.session_state.pop("model_notice", None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    listing = common.call(lambda: common.client().models())
    if listing is None:
        return
    models = items(listing, "models")
    if not models:
        st.info(t("models_empty", lg), icon=":material/inbox:")
        return
    active = (listing.get("active") if isinstance(listing, dict) else None) or next(
        (str(m["version"]) for m in models if m.get("active")), None
    )
    table = pd.DataFrame(
        [
            {
                t("col_version", lg): m.get("version"),
                t("model_active", lg): "●" if str(m.get("version")) == active else "",
                t("col_created", lg): _when(m.get("created_at") or m.get("registered_at")),
                **{metric_label(k, lg): round(v, 3) for k, v in headline_metrics(m.get("metrics")).items()},
            }
            for m in models
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch", key="models_table")
    by_version = {str(m.get("version")): m for m in models}
    others = [v for v in by_version if v != active]
    if not others:
        if active:
            names = comparable_metrics(by_version[active].get("metrics") or {}, by_version[active].get("metrics") or {})
            if names:
                rows = metrics_long({active: by_version[active].get("metrics") or {}}, names, lg)
                st.altair_chart(_chart(rows, lg), width="stretch")
        return
    default = pick_candidate(models)
    chosen = st.selectbox(
        t("model_compare", lg),
        others,
        index=others.index(default) if default in others else 0,
        key="model_pick",
    )
    if active and active in by_version:
        names = comparable_metrics(by_version[active].get("metrics") or {}, by_version[chosen].get("metrics") or {})
        if names:
            st.caption(t("model_chart", lg, a=chosen, b=active))
            series = {
                f"{chosen}": by_version[chosen].get("metrics") or {},
                f"{active} ({t('model_active', lg)})": by_version[active].get("metrics") or {},
            }
            st.altair_chart(_chart(metrics_long(series, names, lg), lg), width="stretch")
        else:
            st.caption(t("model_no_metrics", lg))
    label = t("model_rollback", lg) if is_older(models, chosen, active) else t("model_activate", lg)
    if st.button(label, key="model_activate", icon=":material/rocket_launch:") and _activate(chosen, lg):
        st.rerun()  # redraw the table and chart with the new active model


# ---------------------------------------------------------------------------- page
def page() -> None:
    lg = common.lang()
    st.title(t("label_title", lg))
    if not common.service_up():
        st.error(t("err_down", lg, url=common.settings().api_url), icon=":material/error:")
        return
    tab_label, tab_models = st.tabs([t("tab_label", lg), t("tab_models", lg)])
    with tab_label:
        _labeling_tab(lg)
    with tab_models:
        _training(lg)
        st.divider()
        _models(lg)


page()
