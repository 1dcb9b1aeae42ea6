"""Outreach in Chromium: staff invite last year's guests to this year's forum, a guest
answers the feedback survey from the link in their notice on a phone, and staff read the
results with the chart, in Chinese and English, with screenshots."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from db import notices
from db.base import utcnow
from db.events import Event, Registration, registrations
from db.outreach import feedback
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE
from tests.events_support import guest, new_event

pytestmark = [pytest.mark.browser, pytest.mark.live]


def log_in(page, username, password=TEST_PASSWORD):
    """Sign in through the login form."""
    page.goto("/login")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").last.click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def last_years_forum():
    """Last year's forum, over, with three guests who came (checked in) and a survey."""
    forum = new_event(title="2025 中广党建论坛", starts_in=timedelta(days=3))
    people = [
        registrations.register(forum.id, guest(n, name=name))[0]
        for n, name in enumerate(("赵明", "钱芳", "孙立"))
    ]
    Event.update(
        starts_at=utcnow() - timedelta(days=2), ends_at=utcnow() - timedelta(days=2, hours=-3)
    ).where(Event.id == forum.id).execute()
    Registration.update(checked_in_at=utcnow() - timedelta(days=2)).where(
        Registration.event == forum.id
    ).execute()
    feedback.save_survey(f"event:{forum.id}", "最有收获的是哪一部分？\n下次希望听到什么主题？")
    return forum, people


def test_invite_then_feedback(new_page, shot, make_user):
    staff = make_user(role="staff", name="王晓红")
    forum, people = last_years_forum()
    this_year = new_event(title="2026 中广党建论坛", seats=200)

    page = new_page(DESKTOP)
    log_in(page, staff.username)
    page.goto(f"/manage/events/{this_year.id}")
    page.get_by_role("link", name="邀请").click()
    expect(page.get_by_role("heading", name="邀请参加“2026 中广党建论坛”")).to_be_visible()
    page.get_by_label("往期活动", exact=True).select_option(str(forum.id))
    page.get_by_role("button", name="列出人员").click()
    expect(page.get_by_text("往期活动的到场嘉宾（已签到）：3 人")).to_be_visible()
    expect(page.get_by_role("cell", name="138****0000")).to_be_visible()
    shot(page, "outreach-invite-zh-desktop")
    page.get_by_role("button", name="发送邀请").click()
    expect(page.get_by_text("已发出 3 份邀请")).to_be_visible()
    expect(page.get_by_text("已邀请：3 人 · 其中已报名：0 人")).to_be_visible()
    shot(page, "outreach-invited-zh-desktop")

    # The send command asks last year's guests for feedback; the notice carries the link.
    assert feedback.queue_feedback_requests(utcnow()) == 3
    notice = notices.Notice.get(
        notices.Notice.kind == "outreach.feedback", notices.Notice.mobile == people[0].mobile
    )
    phone = new_page(PHONE)
    phone.goto(notice.link)
    expect(phone.get_by_role("heading", name="感受如何？2025 中广党建论坛")).to_be_visible()
    shot(phone, "outreach-feedback-zh-phone")
    phone.get_by_role("button", name="提交反馈").click()
    expect(phone.get_by_text("请选择 1 到 5 分。").first).to_be_visible()
    phone.get_by_label("5 — 非常好").check()
    phone.get_by_label("最有收获的是哪一部分？").fill("企业家交流环节")
    phone.get_by_role("button", name="提交反馈").click()
    expect(phone.get_by_role("heading", name="感谢您的反馈")).to_be_visible()
    shot(phone, "outreach-feedback-thanks-zh-phone")

    english = new_page(PHONE, locale="en")
    second = notices.Notice.get(
        notices.Notice.kind == "outreach.feedback", notices.Notice.mobile == people[1].mobile
    )
    english.goto(second.link)
    english.get_by_role("button", name="English").click()
    expect(english.get_by_role("heading", name="How was it? 2025 中广党建论坛")).to_be_visible()
    english.get_by_label("4 — good").check()
    shot(english, "outreach-feedback-en-phone")
    english.get_by_role("button", name="Send my feedback").click()
    expect(english.get_by_role("heading", name="Thank you for your feedback")).to_be_visible()

    page.goto(f"/outreach/event/{forum.id}/feedback")
    expect(page.get_by_text("2 份回答，平均评分 4.5（满分 5）")).to_be_visible()
    expect(page.get_by_text("企业家交流环节")).to_be_visible()
    shot(page, "outreach-results-zh-desktop")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("2 answers, average rating 4.5 of 5")).to_be_visible()
    shot(page, "outreach-results-en-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "outreach-results-en-phone")
