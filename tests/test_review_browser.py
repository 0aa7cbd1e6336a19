"""The review page in a real browser: Debian's Chromium driven by Playwright.

One headless browser for the module; each test opens the page in a fresh tab and records
every console message, page error, dialog, Content-Security-Policy violation and request.
The page must load with none of them (its own file:// URL is the only request), sort and
filter its tables, page through 20,000 accounts, and show hostile names as text.

Needs the Debian package chromium (/usr/bin/chromium) and the pip package playwright (in the
test extra); never `playwright install`: the system browser is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser tests need Chromium: install the Debian package chromium (apt-get install chromium)",
)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need the pip package playwright: pip install -e '.[test]'"
)

expect = sync_api.expect

from territory.compare import diff_plans  # noqa: E402
from territory.reporting import build_manager_rollup, load_plan_dir  # noqa: E402
from territory.reporting.render import without_direction_controls  # noqa: E402
from territory.reporting.review import write_review  # noqa: E402

from review_plans import HOSTILE_NAMES, LONG_NAME, PLAN_SMALL, hostile_plan, scaled_plan  # noqa: E402

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Recorded before the page's own script runs (init scripts are not subject to the page's CSP).
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, review_example) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("pages")
    now, before = review_example
    big = scaled_plan(PLAN_SMALL, tmp / "big", 250)  # 20,000 accounts
    hostile = hostile_plan(tmp)
    return {
        "plan": now,
        "previous": before,
        "big_plan": big,
        "example": write_review(now, tmp / "example.html", previous=before).path,
        "big": write_review(big, tmp / "big.html").path,
        "hostile": write_review(hostile, tmp / "hostile.html").path,
    }


@dataclass
class Tab:
    """One page in the browser, and everything it said or asked for since it opened."""

    page: Any
    url: str
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def status(self, table: str = "acc") -> str:
        return self.page.locator(f"#{table}-status").text_content()

    def column(self, label: str, table: str = "acc") -> list[str]:
        """The visible cells of one column of a table (one round trip)."""
        return self.page.evaluate(
            """([table, label]) => {
                const heads = Array.from(document.querySelectorAll(`#${table}-table thead th`));
                const i = heads.findIndex(th => th.textContent === label);
                return Array.from(document.querySelectorAll(`#${table}-table tbody tr`))
                    .map(tr => tr.cells[i].textContent);
            }""",
            [table, label],
        )

    def sort(self, label: str, direction: str, table: str = "acc") -> None:
        """Click the column's header until it sorts ``direction`` (ascending or descending)."""
        head = self.page.locator(f"#{table}-table thead th", has_text=label).first
        for _ in range(2):
            if head.get_attribute("aria-sort") == direction:
                return
            head.get_by_role("button").click()
        assert head.get_attribute("aria-sort") == direction

    def reset(self) -> None:
        self.page.click("#acc-clear")

    def quiet(self) -> None:
        """Nothing went wrong: no console message, error, dialog, violation or other request."""
        violations = self.page.evaluate("window.__violations")
        assert self.errors == [] and self.dialogs == [] and violations == []
        assert [m for m in self.console if m[0] in ("error", "warning")] == []
        assert self.requests == [self.url]


def _open(browser: Any, path: Path) -> Tab:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    tab = Tab(page, path.as_uri())
    page.on("console", lambda m: tab.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: tab.errors.append(str(e)))
    page.on("request", lambda r: tab.requests.append(r.url))

    def dialog(d: Any) -> None:
        tab.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.add_init_script(WATCH)
    page.goto(tab.url)
    page.wait_for_selector("#acc-table tbody tr")
    return tab


@pytest.fixture(scope="module")
def example(browser, pages) -> Iterator[Tab]:
    tab = _open(browser, pages["example"])
    yield tab
    tab.page.close()


@pytest.fixture
def tab(example) -> Tab:
    """The example page with its account filters cleared."""
    example.reset()
    return example


def potentials(tab: Tab) -> list[float]:
    return [float(v.replace(",", "")) for v in tab.column("Potential")]


def test_the_page_loads_offline_without_errors(tab):
    tab.quiet()
    assert tab.page.title() == "Plan review \u2013 plan"
    assert tab.page.locator("#reps-table tbody tr").count() == 16
    assert tab.status() == "1,000 accounts."
    assert tab.page.locator("#acc-table tbody tr").count() == 100
    assert tab.page.locator("#map svg path").count() > 10
    assert tab.page.locator("#map .legend-label").first.text_content() == "Ana Ortiz (R01) (68)"


def test_rep_strips_show_the_summary_numbers(pages, tab):
    plan = load_plan_dir(pages["plan"])
    shown = tab.page.evaluate(
        """() => Array.from(document.querySelectorAll('#reps-table tbody tr')).map(tr => [
            tr.cells[0].textContent,
            ...Array.from(tr.querySelectorAll('td.cell')).map(td => [
                td.querySelector('.v').firstChild.textContent, td.querySelector('.dev').textContent,
                td.querySelector('.b').textContent, td.classList.contains('out')])])"""
    )
    assert len(shown) == len(plan.reps) == 16
    for rep, (name, *cells) in zip(plan.reps, shown):
        assert name == rep.name + rep.rep_id
        for t in ("1", "2", "3"):
            value, dev, words, out = cells[int(t) - 1]
            assert value == str(rep.tier_counts[t])
            assert dev == f"{rep.tier_deviation[t] * 100:+.1f}\u00a0%".replace("-", "\u2212")
            lo, hi = rep.tier_band[t]
            assert words == f"fair {round(rep.fair_tier[t], 1):g} \u00b7 band {lo}\u2013{hi}" and not out
        assert cells[3][0] == f"{rep.potential:,.0f}" and not cells[3][3]
    tab.page.check("#reps-outside")
    assert tab.page.locator("#reps-table tbody tr").count() == 0  # the example keeps every band
    assert tab.page.locator("#reps-count").text_content() == "0 reps shown of 16."
    tab.page.uncheck("#reps-outside")
    tab.page.select_option("#reps-team", label="Brian O'Neill")
    assert tab.page.locator("#reps-count").text_content() == "3 reps shown of 16."
    tab.page.select_option("#reps-team", "")


def test_clicking_a_header_sorts(pages, tab):
    a = load_plan_dir(pages["plan"]).assignments
    values = sorted(float(v) for v in a["potential"])
    tab.sort("Potential", "ascending")
    assert potentials(tab) == values[:100]
    tab.page.locator("#acc-table th", has_text="Potential").get_by_role("button").click()
    assert tab.page.locator("#acc-table th[aria-sort=descending]").text_content() == "Potential"
    assert potentials(tab) == values[::-1][:100]
    tab.sort("Name", "ascending")
    names = tab.column("Name")
    assert names == sorted(names, key=str.lower) and names[0] == min(a["name"], key=str.lower)
    assert tab.page.locator("#acc-table th[aria-sort=ascending]").count() == 1
    tab.quiet()


def test_typing_in_the_filter_and_choosing_filters(pages, tab):
    a = load_plan_dir(pages["plan"]).assignments
    tab.page.fill("#acc-search", "R99, left")  # previous owner R99 left the roster
    expect(tab.page.locator("#acc-status")).to_contain_text("match")
    orphans = int((a["previous_owner_id"] == "R99").sum())
    assert tab.status() == f"{orphans} of 1,000 accounts match the filters."
    assert set(tab.column("Previous owner")) == {"R99, left the team"}
    tab.page.click("#acc-clear")
    tab.page.select_option("#acc-owner", label="Ana Ortiz (R01)")
    assert tab.status() == "68 of 1,000 accounts match the filters."
    assert set(tab.column("Owner")) == {"Ana Ortiz (R01)"}
    tab.page.select_option("#acc-change", "changes")
    moved_in = int(((a["owner_id"] == "R01") & (a["previous_owner_id"] != "R01")).sum())
    assert tab.status() == f"{moved_in} of 1,000 accounts match the filters."
    tab.quiet()


def test_show_a_managers_moves(pages, tab):
    plan = load_plan_dir(pages["plan"])
    rollup = build_manager_rollup(plan, "Teresa Alvarez", maps=False)
    row = tab.page.locator("#teams-table tbody tr", has_text="Teresa Alvarez")
    assert row.locator("td").nth(3).text_content().startswith(f"{len(rollup.moves_in)} accounts")
    row.get_by_role("button", name="Show these moves").click()
    n = len(rollup.moves_in) + len(rollup.moves_out) + len(rollup.moves_within)
    assert tab.status() == f"{n} of 1,000 accounts match the filters."
    tab.page.select_option("#acc-change", "joining")
    assert tab.status() == f"{len(rollup.moves_in)} of 1,000 accounts match the filters."
    assert sorted(tab.column("Account")) == sorted(m.account_id for m in rollup.moves_in)
    tab.quiet()


def test_differences_to_the_previous_plan(pages, tab):
    expected = diff_plans(pages["previous"], pages["plan"])
    assert tab.page.locator("#differences").is_visible()
    assert tab.status("diff") == f"{len(expected)} differences."
    tab.page.select_option("#diff-change", "moved")
    assert tab.status("diff") in (
        f"{len(expected)} differences.",
        f"{len(expected)} of {len(expected)} differences match the filters.",
    )
    first = expected.iloc[0]
    tab.page.fill("#diff-search", first["account_id"])
    expect(tab.page.locator("#diff-status")).to_contain_text("match")
    assert first["account_id"] in tab.column("Account", "diff")
    tab.quiet()


def test_twenty_thousand_accounts_page_and_filter(browser, pages):
    tab = _open(browser, pages["big"])
    assert tab.status() == "20,000 accounts."
    assert tab.page.locator("#acc-pager span").text_content() == "Rows 1\u2013100 of 20,000"
    tab.page.locator("#acc-pager").get_by_role("button", name="Next \u203a").click()
    assert tab.page.locator("#acc-pager span").text_content() == "Rows 101\u2013200 of 20,000"
    tab.sort("Potential", "descending")
    a = load_plan_dir(pages["big_plan"]).assignments
    top = sorted((float(v) for v in a["potential"]), reverse=True)
    assert potentials(tab) == pytest.approx(top[:100], abs=0.5)  # first page, sorted; shown rounded
    tab.page.select_option("#acc-owner", label="Ana Ortiz (R01)")
    assert tab.status() == f"{250 * 20:,} of 20,000 accounts match the filters."
    tab.page.fill("#acc-search", "-249")  # the last copy's ids
    expect(tab.page.locator("#acc-status")).to_have_text("20 of 20,000 accounts match the filters.")
    assert sorted(tab.column("Account")) == sorted(
        f"{i}-249" for i in a.loc[a["owner_id"] == "R01", "account_id"].str.rsplit("-", n=1).str[0].unique()
    )
    tab.quiet()
    tab.page.close()


def test_hostile_names_stay_text(browser, pages):
    tab = _open(browser, pages["hostile"])
    tab.page.wait_for_timeout(200)  # give anything that might run a chance to
    assert tab.page.evaluate("window.__pwned") is None
    tab.page.hover("#acc-table tbody tr:nth-child(3) td:nth-child(2)")
    tab.page.locator("#reps-table tbody tr").first.hover()
    tab.quiet()
    assert (
        tab.page.locator(
            "#acc-table img, #acc-table script, #acc-table svg, #acc-table iframe, a[href^=javascript]"
        ).count()
        == 0
    )
    names = tab.column("Name")
    for account_id, name in HOSTILE_NAMES.items():
        i = int(account_id.split("-")[1]) - 1
        name = without_direction_controls(name)  # an override would reorder what follows it
        expected = name if len(name) <= 300 else name[:299] + "\u2026"
        assert names[i] == expected, account_id
    assert tab.page.title().startswith("Plan review: <style>body{display:none}</style>Q1")
    assert tab.page.locator("#acc-table").is_visible()
    tab.page.fill("#acc-search", LONG_NAME[:50])
    expect(tab.page.locator("#acc-status")).to_contain_text("match")
    assert tab.status() == "1 of 80 accounts match the filters."
    tab.page.close()


def test_the_band_note_names_every_measures_band(browser, tmp_path):
    """The note under the reps' strips gave the band of a tier and of potential only."""
    from test_measures_everywhere import CONFIG, run_plan

    plan, _ = run_plan(tmp_path, CONFIG)
    tab = _open(browser, write_review(load_plan_dir(plan), tmp_path / "review.html").path)
    try:
        note = tab.page.locator("#balance-note").text_content()
        assert (
            "for Potential \u00b110\u00a0%, ARR \u00b110\u00a0%, Pipeline \u00b12\u00a0%, "
            "Renewals next 2q \u00b115\u00a0% of the fair share)"
        ) in note
        tab.quiet()
    finally:
        tab.page.close()
