"""Every write of 好差评: reviews (window, SMS link, QR, staff entry), invitations and their reminder,
the rectification steps and 申诉. Each service runs in one transaction and writes one audit row;
rectification steps also write a RectificationStep (the history); SMS go through notify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.cases.indicators import counting as case_counting
from bangban.cases.models import Case, Status
from bangban.core import crypto
from bangban.core.errors import NotInScope, ServiceError
from bangban.core.ids import mobile_problem
from bangban.evaluations import indicators, rules, workflow
from bangban.evaluations.indicators import local_date
from bangban.evaluations.models import (
    COMMENT_MAX,
    NOTE_MAX,
    STAFF_CHANNELS,
    Appeal,
    Aspect,
    Finding,
    Rectification,
    RectificationStep,
    RectifyLimit,
    Review,
    ReviewChannel,
    ReviewInvitation,
    Revisit,
    Stage,
)
from bangban.notifications.models import Message
from bangban.notifications.services import notify
from bangban.notifications.texts import signature
from bangban.org.models import Institution
from bangban.org.selectors import institution_in_scope
from bangban.supervision import facts
from bangban.workdays.selectors import get_calendar

FINISHED = (Status.COMPLETED, Status.TERMINATED, Status.ARCHIVED)


# --- helpers -------------------------------------------------------------------------------------


def rectify_limit_days(institution: Institution | None = None) -> int:
    """The 整改 limit in working days for bad reviews of `institution`: set for the nearest of it and
    its ancestors (RectifyLimit), else the configured default (settings.BANGBAN_RECTIFY_WORKDAYS, 1–15)."""
    default = getattr(settings, "BANGBAN_RECTIFY_WORKDAYS", 5)
    if institution is None:
        return default
    chain = [int(p) for p in institution.path.strip("/").split("/") if p]
    limits = dict(RectifyLimit.objects.filter(institution_id__in=chain).values_list("institution_id", "days"))
    return next((limits[pk] for pk in reversed(chain) if pk in limits), default)


@transaction.atomic
def rectify_limit_set(*, by, institution: Institution, days: int | None) -> RectifyLimit | None:
    """Set the 整改 limit of `institution`'s subtree (1–15 working days), or remove it (None: the
    limit above applies again). SUPERVISION_ISSUE within scope; applies to rectifications opened later."""
    require_cap(by, Cap.SUPERVISION_ISSUE, "您的角色不能设置整改时限")
    if not institution_in_scope(by, institution):
        raise NotInScope(target=institution)
    if days is not None and (problem := rules.limit_problem(days)):
        raise ServiceError("invalid", problem, field="days")
    current = RectifyLimit.objects.select_for_update().filter(institution=institution).first()
    before = current.days if current else None
    if days is None:
        if current is not None:
            current.delete()
        result = None
    elif current is None:
        try:
            with transaction.atomic():
                result = RectifyLimit.objects.create(institution=institution, days=days, updated_by=by)
        except IntegrityError:  # set concurrently: apply ours after theirs
            result = RectifyLimit.objects.select_for_update().get(institution=institution)
            before = result.days
            result.days, result.updated_by, result.updated_at = days, by, timezone.now()
            result.save()
    else:
        result = current
        result.days, result.updated_by, result.updated_at = days, by, timezone.now()
        result.save()
    audit_record(
        actor=by,
        action="evaluations.rectify_limit.set",
        target=institution,
        institution=institution,
        changes={"days": {"before": before, "after": days}},
    )
    return result


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def review_url(token: str) -> str:
    from django.urls import reverse

    return settings.BANGBAN_PUBLIC_URL.rstrip("/") + reverse("evaluations:public_review", args=[token])


def _audit(by, action: str, target, institution, changes: dict | None = None, note: str = "") -> None:
    audit_record(
        actor=by,
        action=action,
        target=target,
        institution=institution,
        changes=changes or {},
        note=note,
        actor_name="" if by is not None else "群众",
    )


def _require_in_scope(by, cap: str, institution, target=None) -> None:
    require_cap(by, cap, "您的角色无权办理评价事务")
    if not institution_in_scope(by, institution):
        raise NotInScope(target=target)


def _clean(level, aspects, comment) -> tuple[int, str, str]:
    if not isinstance(level, int) or isinstance(level, bool) or level not in rules.LEVELS:
        raise ServiceError("invalid", "「评价等级」应为 1（非常不满意）到 5（非常满意）之一", field="level")
    aspects = list(aspects or [])
    valid = set(Aspect.values)
    if any(a not in valid for a in aspects):
        raise ServiceError("invalid", "「评价方面」只能选择服务态度、办事效率、办理结果", field="aspects")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ServiceError("too_long", f"「评价内容」不能超过 {COMMENT_MAX} 字", field="comment")
    ordered = ",".join(a for a in Aspect.values if a in set(aspects))
    return level, ordered, comment


def _step(rect: Rectification, by, action: str, text: str, old: str = "") -> None:
    RectificationStep.objects.create(
        rectification=rect, action=action, from_status=old, to_status=rect.status, text=text[:600], by=by
    )


def _open_rectification(review: Review) -> Rectification:
    days = rectify_limit_days(review.institution)
    due = get_calendar().add_workdays(local_date(review.created_at), days)
    rect = Rectification.objects.create(
        review=review, institution=review.institution, agent=review.agent, limit_days=days, due_date=due
    )
    _step(
        rect,
        None,
        "open",
        f"差评（{review.get_level_display()}）生成整改任务，{days} 个工作日内整改，期限 {due}",
    )
    return rect


def _first_of(case: Case, stage: str, channel: str) -> Review | None:
    return Review.objects.filter(case=case, stage=stage, channel=channel, follow_up_of__isnull=True).first()


def _create_review(
    *,
    level,
    aspects,
    comment,
    stage: str,
    channel: str,
    real_name: bool,
    case: Case | None,
    institution,
    agent,
    actor=None,
    invitation: ReviewInvitation | None = None,
    entered_by=None,
    action: str = "evaluations.review.create",
) -> Review:
    """Insert one review (a 追评 when the case already has a first review of this stage and channel),
    open its rectification when it is bad, write the audit row. The caller holds the case's lock."""
    level, aspects, comment = _clean(level, aspects, comment)
    if stage not in Stage.values:
        raise ServiceError("invalid", "「评价环节」无效", field="stage")
    if case is not None:
        # A review of a completed case completes its record (记录完整率): the case's facts change too.
        with case_counting(case):
            return _insert_review(
                level=level, aspects=aspects, comment=comment, stage=stage, channel=channel,
                real_name=real_name, case=case, institution=institution, agent=agent, actor=actor,
                invitation=invitation, entered_by=entered_by, action=action,
            )  # fmt: skip
    return _insert_review(
        level=level, aspects=aspects, comment=comment, stage=stage, channel=channel,
        real_name=real_name, case=case, institution=institution, agent=agent, actor=actor,
        invitation=invitation, entered_by=entered_by, action=action,
    )  # fmt: skip


def _insert_review(
    *, level, aspects, comment, stage, channel, real_name, case, institution, agent, actor, invitation,
    entered_by, action,
) -> Review:  # fmt: skip
    first = _first_of(case, stage, channel) if case is not None else None
    if first is not None and first.follow_ups.exists():
        raise ServiceError("already_reviewed", "本次服务已评价并已追评，不能再次评价", field="level")
    review = Review(
        level=level,
        aspects=aspects,
        comment=comment,
        stage=stage,
        channel=channel,
        real_name=real_name,
        case=case,
        institution=institution,
        agent=agent,
        invitation=invitation,
        entered_by=entered_by,
        follow_up_of=first,
    )
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise ServiceError("already_reviewed", "本次服务已评价，请勿重复提交", field="level")
    rect = _open_rectification(review) if rules.is_bad(level) else None
    # Counted in this transaction (supervision.facts): a new review has no 申诉 yet.
    facts.apply(
        [],
        indicators.review_facts_now(review, appeal_upheld=False)
        + (indicators.rectification_facts_now(rect, appeal_upheld=False) if rect else []),
    )
    _audit(
        actor,
        action,
        review,
        review.institution,
        {
            "level": {"after": level},
            "stage": {"after": stage},
            "channel": {"after": channel},
            "case": {"after": case.pk if case else None},
            "follow_up_of": {"after": first.pk if first else None},
        },
        note="已生成差评整改任务" if rect else "",
    )
    return review


def _lock_case(case: Case) -> Case:
    # of=("self",): the agent is a nullable (outer) join, which PostgreSQL cannot lock.
    return Case.objects.select_for_update(of=("self",)).select_related("institution", "agent").get(pk=case.pk)


def _stage_for(case: Case) -> str:
    return Stage.COMPLETE if case.status in FINISHED else Stage.ACCEPT


def _check_reviewable(case: Case) -> None:
    if case.accepted_on is None and case.status not in FINISHED:
        raise ServiceError("not_reviewable", "该办件尚未受理，暂不能评价", field="case")


# --- reviews -------------------------------------------------------------------------------------


@transaction.atomic
def review_submit_at_window(
    *, by, level, aspects=(), comment: str = "", case: Case | None = None, stage: str | None = None
) -> Review:
    """The window counter (评价器/平板): the applicant rates the agent's service on the agent's screen.

    With a case: tied to the case's handling institution and agent (real name: the applicant stood at
    the window); without: a 现场服务 encounter of the agent's own institution (一次一评, anonymous)."""
    require_cap(by, Cap.REVIEW_HANDLE, "您的角色不能发起评价")
    if case is None:
        if by.institution is None:
            raise NotInScope()
        return _create_review(
            level=level,
            aspects=aspects,
            comment=comment,
            stage=Stage.ENCOUNTER,
            channel=ReviewChannel.DEVICE,
            real_name=False,
            case=None,
            institution=by.institution,
            agent=by,
            actor=by,
        )
    case = _lock_case(case)
    if not institution_in_scope(by, case.institution):
        raise NotInScope(target=case)
    _check_reviewable(case)
    return _create_review(
        level=level,
        aspects=aspects,
        comment=comment,
        stage=stage or _stage_for(case),
        channel=ReviewChannel.DEVICE,
        real_name=True,
        case=case,
        institution=case.institution,
        agent=case.agent,
        actor=by,
    )


@transaction.atomic
def review_enter(
    *,
    by,
    channel: str,
    level,
    aspects=(),
    comment: str = "",
    case: Case | None = None,
    stage: str | None = None,
) -> Review:
    """工作人员代录: a paper or phone review typed in by staff, who are recorded as its enterer."""
    require_cap(by, Cap.REVIEW_HANDLE, "您的角色不能代录评价")
    if channel not in STAFF_CHANNELS:
        raise ServiceError("invalid", "「代录方式」应为纸质或电话", field="channel")
    if case is None:
        if by.institution is None:
            raise NotInScope()
        institution, agent, real_name, stage = by.institution, None, False, Stage.ENCOUNTER
    else:
        case = _lock_case(case)
        if not institution_in_scope(by, case.institution):
            raise NotInScope(target=case)
        _check_reviewable(case)
        institution, agent, real_name, stage = case.institution, case.agent, True, stage or _stage_for(case)
    return _create_review(
        level=level,
        aspects=aspects,
        comment=comment,
        stage=stage,
        channel=channel,
        real_name=real_name,
        case=case,
        institution=institution,
        agent=agent,
        actor=by,
        entered_by=by,
        action="evaluations.review.enter",
    )


def invitation_by_token(token: str) -> ReviewInvitation | None:
    if not token or len(token) > 64:
        return None
    return (
        ReviewInvitation.objects.select_related("case", "case__institution")
        .filter(token_hash=token_hash(token))
        .first()
    )


def invitation_problem(invitation: ReviewInvitation | None, *, now=None) -> ServiceError | None:
    """Why this link cannot take a review now (None: it can)."""
    now = now or timezone.now()
    if invitation is None:
        return ServiceError("invalid_link", "评价链接无效，请核对短信中的链接", field="token")
    if invitation.used_at is not None:
        return ServiceError(
            "link_used", "该评价链接已使用过，每个链接只能评价一次。感谢您的评价！", field="token"
        )
    if invitation.expires_at <= now:
        return ServiceError(
            "link_expired", f"该评价链接已过期（有效期 {rules.INVITATION_DAYS} 天）", field="token"
        )
    return None


@transaction.atomic
def review_submit_by_token(*, token: str, level, aspects=(), comment: str = "") -> Review:
    """The SMS link (智能邀评): a real-name review of the completed case. The link is spent by the
    review in the same transaction (row lock + conditional update), so it takes one review, ever."""
    invitation = invitation_by_token(token)
    if invitation is not None:
        invitation = ReviewInvitation.objects.select_for_update().get(pk=invitation.pk)
    if (problem := invitation_problem(invitation)) is not None:
        raise problem
    _clean(level, aspects, comment)  # bad input spends nothing
    now = timezone.now()
    spent = ReviewInvitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(used_at=now)
    if spent != 1:
        raise invitation_problem(ReviewInvitation(used_at=now))
    case = _lock_case(invitation.case)
    return _create_review(
        level=level,
        aspects=aspects,
        comment=comment,
        stage=invitation.stage,
        channel=ReviewChannel.SMS,
        real_name=True,
        case=case,
        institution=case.institution,
        agent=case.agent,
        invitation=invitation,
    )


@transaction.atomic
def review_submit_by_tracking(*, tracking_token: str, level, aspects=(), comment: str = "") -> Review:
    """The QR code on forms A and B (via the public tracking page): the token proves the form holder,
    not the applicant, so the review is not real-name. One per case and stage, then one 追评."""
    case = Case.objects.filter(tracking_token=tracking_token or "").first() if tracking_token else None
    if case is None:
        raise ServiceError("invalid_link", "办件不存在", field="token")
    case = _lock_case(case)
    _check_reviewable(case)
    return _create_review(
        level=level,
        aspects=aspects,
        comment=comment,
        stage=_stage_for(case),
        channel=ReviewChannel.QR,
        real_name=False,
        case=case,
        institution=case.institution,
        agent=case.agent,
    )


# --- invitations ---------------------------------------------------------------------------------


def _invite_text(case: Case, url: str, *, reminder: bool) -> str:
    body = (
        f"您的办件{case.number}尚未评价，请为本次服务评价："
        if reminder
        else f"您的办件{case.number}已办结，请为本次服务评价（{rules.INVITATION_DAYS}天内有效）："
    )
    return signature() + body + url


def review_invite_on_completion(*, case: Case) -> ReviewInvitation | None:
    """智能邀评: called by case completion inside its transaction. Creates the one-time link and
    queues the SMS (sent after commit). A landline gets no invitation (nothing to send it to)."""
    phone = crypto.decrypt(case.phone_encrypted)
    if mobile_problem(phone) or ReviewInvitation.objects.filter(case=case, stage=Stage.COMPLETE).exists():
        return None
    token = secrets.token_urlsafe(16)
    now = timezone.now()
    invitation = ReviewInvitation.objects.create(
        case=case,
        stage=Stage.COMPLETE,
        token_hash=token_hash(token),
        token_encrypted=crypto.encrypt(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=rules.INVITATION_DAYS),
    )
    notify(
        phone=phone,
        text=_invite_text(case, review_url(token), reminder=False),
        event=Message.Event.REVIEW_INVITE,
        dedupe_key=f"review-invite:{invitation.pk}",
        object_type="cases.case",
        object_id=str(case.pk),
        institution=case.institution,
    )
    _audit(None, "evaluations.invitation.send", invitation, case.institution, {"case": {"after": case.pk}})
    return invitation


@transaction.atomic
def invitation_remind(*, invitation: ReviewInvitation) -> bool:
    """The one reminder (REVIEW_REMIND) of an unanswered, unexpired link; False when there is nothing
    to do (answered, reminded already, expired). Idempotent (row lock, dedupe key)."""
    invitation = (
        ReviewInvitation.objects.select_for_update().select_related("case__institution").get(pk=invitation.pk)
    )
    now = timezone.now()
    if invitation.used_at or invitation.reminded_at or invitation.expires_at <= now:
        return False
    case = invitation.case
    token = crypto.decrypt(invitation.token_encrypted)
    notify(
        phone=crypto.decrypt(case.phone_encrypted),
        text=_invite_text(case, review_url(token), reminder=True),
        event=Message.Event.REVIEW_REMIND,
        dedupe_key=f"review-invite:{invitation.pk}:remind",
        object_type="cases.case",
        object_id=str(case.pk),
        institution=case.institution,
    )
    invitation.reminded_at = now
    invitation.save(update_fields=["reminded_at"])
    _audit(None, "evaluations.invitation.remind", invitation, case.institution)
    return True


def invitations_remind_due(*, today: dt.date | None = None) -> int:
    """Remind every link unanswered for REMIND_AFTER_WORKDAYS working days (the beat task)."""
    calendar = get_calendar()
    today = today or timezone.localdate()
    # 3 working days are at least 3 calendar days: older rows only (the partial index serves this).
    latest = timezone.now() - dt.timedelta(days=rules.REMIND_AFTER_WORKDAYS)
    count = 0
    for invitation in ReviewInvitation.objects.filter(
        used_at__isnull=True, reminded_at__isnull=True, created_at__lte=latest, expires_at__gt=timezone.now()
    ).order_by("created_at")[:5000]:
        if calendar.add_workdays(local_date(invitation.created_at), rules.REMIND_AFTER_WORKDAYS) <= today:
            count += invitation_remind(invitation=invitation)
    return count


# --- rectification -------------------------------------------------------------------------------


def _lock_rect(rect: Rectification, by, action: str, expected_version: int | None) -> Rectification:
    rect = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("review", "review__case", "institution")
        .get(pk=rect.pk)
    )
    cap = Cap.REVIEW_DECIDE if action in workflow.SUPERVISOR_ACTIONS else Cap.REVIEW_HANDLE
    _require_in_scope(by, cap, rect.institution, rect)
    if expected_version is not None and rect.version != expected_version:
        raise ServiceError("stale", "该整改任务已被他人更新，请刷新页面后再操作", field="version")
    # Its facts now (read under the row lock, which appeal_decide takes too): _count applies the change.
    rect._facts_before = indicators.rectification_facts_now(rect)
    return rect


def _count(rect: Rectification) -> None:
    """Add the change of the (locked) rectification's facts since `_lock_rect` to the counters."""
    before = rect.__dict__.pop("_facts_before", None)
    if before is not None:
        facts.apply(before, indicators.rectification_facts_now(rect))


def _check_step(rect: Rectification, action: str) -> str:
    new = workflow.target(action, rect.status)
    if new is None:
        raise ServiceError(
            "not_allowed", f"当前状态（{rect.get_status_display()}）不能{workflow.ACTION_LABELS[action]}"
        )
    if workflow.needs_revisit(action, real_name=rect.review.real_name, revisits=rect.revisits.count()):
        raise ServiceError("revisit_required", "实名差评须先登记回访，才能核实", field="finding")
    return new


def _required(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError("required", f"「{label}」为必填项", field=field)
    if len(value) > NOTE_MAX:
        raise ServiceError("too_long", f"「{label}」不能超过 {NOTE_MAX} 字", field=field)
    return value


def _move(rect: Rectification, by, action: str, text: str, fields: list[str], changes: dict) -> Rectification:
    new = _check_step(rect, action)
    old = rect.status
    rect.status, rect.version = new, rect.version + 1
    rect.save(update_fields=["status", "version", *fields])
    _count(rect)
    _step(rect, by, action, text, old)
    _audit(
        by,
        f"evaluations.rectification.{action}",
        rect,
        rect.institution,
        {"status": {"before": old, "after": new}} | changes,
    )
    return rect


@transaction.atomic
def rectification_revisit(
    *, rect: Rectification, by, called_at: dt.datetime, reached: bool, said: str = ""
) -> Revisit:
    """回访: log a call to the reviewer (at any step before 已办结)."""
    rect = _lock_rect(rect, by, "revisit", None)
    if rect.status == workflow.S.CLOSED:
        raise ServiceError("not_allowed", "整改已办结，不能再登记回访")
    if called_at is None or called_at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError("invalid", "「回访时间」不能晚于现在", field="called_at")
    said = (said or "").strip()
    if len(said) > NOTE_MAX:
        raise ServiceError("too_long", f"「群众意见」不能超过 {NOTE_MAX} 字", field="said")
    visit = Revisit.objects.create(
        rectification=rect, called_at=called_at, by=by, reached=bool(reached), said=said
    )
    rect.version += 1
    rect.save(update_fields=["version"])
    _count(rect)  # a real-name bad review's first 回访 (实名差评回访率)
    text = f"回访（{'已联系上' if reached else '未联系上'}）" + (f"：{said}" if said else "")
    _step(rect, by, "revisit", text, rect.status)
    _audit(by, "evaluations.rectification.revisit", rect, rect.institution, {"revisit": {"after": visit.pk}})
    return visit


@transaction.atomic
def rectification_verify(
    *, rect: Rectification, by, finding: str, note: str, expected_version: int | None = None
) -> Rectification:
    """核实: 属实/部分属实 → 整改中; 不属实 → explained (已整改, to be fed back) with the note."""
    rect = _lock_rect(rect, by, "verify", expected_version)
    if finding not in Finding.values:
        raise ServiceError("invalid", "「核实结论」应为属实、部分属实或不属实", field="finding")
    note = _required(note, "note", "核实说明")
    rect.finding, rect.finding_note = finding, note
    label = Finding(finding).label
    if finding == Finding.UNFOUNDED:
        rect.rectified_on = timezone.localdate()
        return _move(
            rect,
            by,
            "dismiss",
            f"核实：{label}，{note}",
            ["finding", "finding_note", "rectified_on"],
            {"finding": {"after": finding}},
        )
    return _move(
        rect,
        by,
        "verify",
        f"核实：{label}，{note}",
        ["finding", "finding_note"],
        {"finding": {"after": finding}},
    )


@transaction.atomic
def rectification_rectify(
    *, rect: Rectification, by, action_taken: str, expected_version: int | None = None
) -> Rectification:
    """整改完成: what was done; the date decides 按期 (rectification.on_time)."""
    rect = _lock_rect(rect, by, "rectify", expected_version)
    rect.action_taken = _required(action_taken, "action_taken", "整改措施")
    rect.rectified_on = timezone.localdate()
    return _move(
        rect,
        by,
        "rectify",
        f"整改完成：{rect.action_taken}",
        ["action_taken", "rectified_on"],
        {"rectified_on": {"after": rect.rectified_on}},
    )


def _feedback_sms(rect: Rectification, text: str) -> bool:
    review = rect.review
    if not review.real_name or review.case is None:
        return False
    phone = crypto.decrypt(review.case.phone_encrypted)
    if mobile_problem(phone):
        return False
    short = text if len(text) <= 24 else text[:23] + "…"
    notify(
        phone=phone,
        text=f"{signature()}您对办件{review.case.number}的评价已核实处理：{short}。感谢您的监督。",
        event=Message.Event.RECTIFIED,
        dedupe_key=f"rectification:{rect.pk}:feedback:{rect.version}",
        object_type="evaluations.rectification",
        object_id=str(rect.pk),
        institution=rect.institution,
    )
    return True


@transaction.atomic
def rectification_feedback(
    *, rect: Rectification, by, text: str, expected_version: int | None = None
) -> Rectification:
    """反馈: the answer to the reviewer; an SMS (RECTIFIED) for a real-name review with a mobile number."""
    rect = _lock_rect(rect, by, "feedback", expected_version)
    _check_step(rect, "feedback")  # before the SMS is queued
    rect.feedback_text = _required(text, "text", "反馈内容")
    rect.fed_back_at = timezone.now()
    sent = _feedback_sms(rect, rect.feedback_text)
    return _move(
        rect,
        by,
        "feedback",
        f"反馈{'（已短信告知）' if sent else '（无法短信告知）'}：{rect.feedback_text}",
        ["feedback_text", "fed_back_at"],
        {"sms": {"after": sent}},
    )


@transaction.atomic
def rectification_approve(
    *, rect: Rectification, by, note: str = "", expected_version: int | None = None
) -> Rectification:
    """复核通过 (supervisor): closes the rectification."""
    rect = _lock_rect(rect, by, "approve", expected_version)
    note = (note or "").strip()[:NOTE_MAX]
    rect.closed_at = timezone.now()
    return _move(rect, by, "approve", "复核通过" + (f"：{note}" if note else ""), ["closed_at"], {})


@transaction.atomic
def rectification_send_back(
    *, rect: Rectification, by, reason: str, expected_version: int | None = None
) -> Rectification:
    """复核退回 (supervisor): back to 整改中 with a reason; the limit stays, so a late redo shows red."""
    rect = _lock_rect(rect, by, "send_back", expected_version)
    reason = _required(reason, "reason", "退回理由")
    rect.rectified_on = None
    return _move(
        rect, by, "send_back", f"复核退回：{reason}", ["rectified_on"], {"reason": {"after": reason}}
    )


# --- 申诉 ------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_file(*, review: Review, by, reason: str) -> Appeal:
    """申诉: the review's institution appeals a mistaken or malicious review (once per review)."""
    review = Review.objects.select_related("institution").get(pk=review.pk)
    _require_in_scope(by, Cap.REVIEW_HANDLE, review.institution, review)
    reason = _required(reason, "reason", "申诉理由")
    if Appeal.objects.filter(review=review).exists():
        raise ServiceError("already_appealed", "该评价已申诉过，不能重复申诉", field="reason")
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(review=review, reason=reason, filed_by=by)
    except IntegrityError:
        raise ServiceError("already_appealed", "该评价已申诉过，不能重复申诉", field="reason")
    _audit(
        by, "evaluations.appeal.file", appeal, review.institution, {"review": {"after": review.pk}}, reason
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, by, upheld: bool, reason: str) -> Appeal:
    """申诉裁定 (supervisor): upheld takes the review out of the figures; the reason stays on record."""
    appeal = (
        Appeal.objects.select_for_update(of=("self",)).select_related("review__institution").get(pk=appeal.pk)
    )
    _require_in_scope(by, Cap.REVIEW_DECIDE, appeal.review.institution, appeal)
    if appeal.filed_by_id == by.pk:
        raise ServiceError("own_appeal", "不能裁定本人提出的申诉")
    if appeal.state != Appeal.State.PENDING:
        raise ServiceError("decided", f"该申诉已裁定（{appeal.get_state_display()}）")
    appeal.decision_reason = _required(reason, "reason", "裁定理由")
    # The review's rectification, locked (the rectification services' lock): its facts and the
    # decision are read and written together. Lock order: appeal, then rectification.
    review = appeal.review
    rect = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("review")
        .filter(review=review)
        .first()
    )

    def counted(is_upheld: bool) -> list:
        out = indicators.review_facts_now(review, appeal_upheld=is_upheld)
        return out + (indicators.rectification_facts_now(rect, appeal_upheld=is_upheld) if rect else [])

    before = counted(False)  # pending: the review and its rectification count
    appeal.state = Appeal.State.UPHELD if upheld else Appeal.State.REJECTED
    appeal.decided_by, appeal.decided_at = by, timezone.now()
    appeal.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    facts.apply(before, counted(appeal.state == Appeal.State.UPHELD))  # upheld: out of every figure
    _audit(
        by,
        "evaluations.appeal.decide",
        appeal,
        appeal.review.institution,
        {"state": {"before": "pending", "after": appeal.state}},
        appeal.decision_reason,
    )
    return appeal


ACTION_LABELS = {  # audit action labels (registered in apps.py)
    "evaluations.review.create": "提交评价",
    "evaluations.review.enter": "代录评价",
    "evaluations.invitation.send": "发送评价邀请",
    "evaluations.invitation.remind": "发送评价提醒",
    "evaluations.rectification.revisit": "差评回访",
    **{f"evaluations.rectification.{k}": f"差评整改{v}" for k, v in workflow.ACTION_LABELS.items()},
    "evaluations.appeal.file": "提出评价申诉",
    "evaluations.appeal.decide": "裁定评价申诉",
    "evaluations.rectify_limit.set": "设置整改时限",
}
