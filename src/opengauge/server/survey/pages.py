"""The survey pages' HTML.

Plain HTML that works without JavaScript: a form with radio inputs for the 0-10 scale,
styled by one inline style sheet (the Content-Security-Policy allows nothing else). Every
value that comes from data goes through :func:`html.escape`.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from opengauge.server.survey.schemas import MAX_COMMENT, SurveyPage

LOW_HINT = "Not at all likely"
HIGH_HINT = "Extremely likely"

_STYLE = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;padding:1rem;background:#f3f4f6;color:#1f2937;line-height:1.5;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:40rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:12px;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.4rem;line-height:1.3;margin:0 0 1rem}
p{margin:0 0 1rem}
fieldset{border:0;margin:0 0 1.5rem;padding:0;min-width:0}
legend{font-size:1.15rem;font-weight:600;line-height:1.35;margin-bottom:1rem;padding:0}
.scale{display:grid;grid-template-columns:repeat(11,minmax(0,1fr));gap:.3rem}
.scale div{position:relative}
/* The radio stays focusable and keeps the browser's "required" hint; its label is the target. */
.scale input{position:absolute;left:50%;bottom:0;width:1px;height:1px;margin:0;opacity:0;
pointer-events:none}
.scale label{display:flex;align-items:center;justify-content:center;min-height:2.75rem;
border:1px solid #9ca3af;border-radius:8px;background:#fff;font-weight:600;cursor:pointer;
user-select:none}
.scale label:hover{border-color:#1d4ed8;background:#eff6ff}
.scale input:checked+label{background:#1d4ed8;border-color:#1d4ed8;color:#fff}
.scale input:focus-visible+label{outline:3px solid #f59e0b;outline-offset:2px}
.hints{display:flex;justify-content:space-between;gap:1rem;margin-top:.4rem;font-size:.9rem;
color:#4b5563}
.hints span:last-child{text-align:right}
label.comment{display:block;font-weight:600;margin-bottom:.4rem}
textarea{display:block;width:100%;min-height:7rem;padding:.6rem;font:inherit;
border:1px solid #9ca3af;border-radius:8px;resize:vertical}
textarea:focus-visible{outline:3px solid #f59e0b;outline-offset:1px}
button{margin-top:1.25rem;padding:.75rem 1.75rem;font:inherit;font-weight:600;color:#fff;
background:#1d4ed8;border:0;border-radius:8px;cursor:pointer}
button:hover{background:#1e40af}
button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.error{padding:.75rem 1rem;border-left:4px solid #b91c1c;background:#fef2f2;color:#991b1b}
.muted{color:#4b5563;font-size:.9rem}
footer{margin-top:2rem;font-size:.85rem;color:#4b5563}
a{color:#1d4ed8}
@media (max-width:30rem){
body{padding:.5rem}
main{margin:.5rem auto;padding:1rem}
.scale{grid-template-columns:repeat(6,minmax(0,1fr))}
}
"""


def survey(page: SurveyPage, *, error: str | None = None, comment: str = "") -> str:
    """The survey form; with ``error``, shown again after a refused post."""
    question = _question(page.system_name)
    scale = "\n".join(
        f'<div><input type="radio" name="score" id="score-{n}" value="{n}" required'
        f'{_invalid(error)}><label for="score-{n}">{n}</label></div>'
        for n in range(11)
    )
    described = "scale-hints score-error" if error else "scale-hints"
    alert = f'<p class="error" role="alert" id="score-error">{escape(error)}</p>\n' if error else ""
    body = f"""<h1>{escape(page.system_name)} would like your feedback</h1>
{alert}<form method="post" action="{_survey_url(page.code)}">
<input type="hidden" name="form_token" value="{escape(page.form_token)}">
<fieldset aria-describedby="{described}">
<legend>{escape(question)}</legend>
<div class="scale">
{scale}
</div>
<div class="hints" id="scale-hints"><span>0 = {LOW_HINT}</span><span>10 = {HIGH_HINT}</span></div>
</fieldset>
<label class="comment" for="comment">Anything you would like to add? (optional)</label>
<textarea id="comment" name="comment" rows="5" maxlength="{MAX_COMMENT}">
{escape(comment)}</textarea>
<button type="submit">Send my answer</button>
</form>
{_footer(page)}"""
    return _document(f"Survey: {page.system_name}", body)


def thank_you(page: SurveyPage) -> str:
    """Shown once the survey has its answer."""
    body = f"""<h1>Thank you!</h1>
<p>Your answer has been recorded. {escape(page.system_name)} appreciates your feedback.</p>
{_footer(page)}"""
    return _document("Thank you", body)


def unsubscribe(page: SurveyPage) -> str:
    """The confirmation step: a GET shows this form and changes nothing."""
    body = f"""<h1>Unsubscribe</h1>
<p>Stop receiving survey invitations from {escape(page.system_name)}?</p>
<form method="post" action="{_survey_url(page.code)}/unsubscribe">
<input type="hidden" name="form_token" value="{escape(page.form_token)}">
<button type="submit">Unsubscribe</button>
</form>
<p class="muted"><a href="{_survey_url(page.code)}">Back to the survey</a></p>"""
    return _document("Unsubscribe", body)


def unsubscribed() -> str:
    """The unsubscribe is done."""
    body = """<h1>You have been unsubscribed</h1>
<p>You will not receive survey invitations from us any more.</p>"""
    return _document("Unsubscribed", body)


def error(status: int) -> str:
    """A page for a refusal: unknown link, refused form or a server problem."""
    title, text = _ERRORS.get(status, _ERRORS[500])
    return _document(title, f"<h1>{title}</h1>\n<p>{text}</p>")


_ERRORS: dict[int, tuple[str, str]] = {
    403: (
        "This form could not be accepted",
        "It was sent from another site, or it has expired. Please open the survey link again.",
    ),
    404: (
        "Survey not found",
        "This survey link is not valid. Please check that you have the whole link.",
    ),
    405: ("Not allowed", "This page can't be used that way."),
    413: ("Too much text", "What you sent is too long. Please shorten it and try again."),
    429: ("Too many attempts", "This form was sent too often. Please wait a little and try again."),
    500: ("Something went wrong", "Please try again in a moment."),
    503: ("Temporarily unavailable", "Please try again in a moment."),
}


def _question(system_name: str) -> str:
    return f"How likely are you to recommend {system_name} to a friend or colleague?"


def _survey_url(code: str) -> str:
    return "/r/" + quote(code, safe="")


def _invalid(error: str | None) -> str:
    return ' aria-invalid="true"' if error else ""


def _footer(page: SurveyPage) -> str:
    if not page.can_unsubscribe:
        return ""
    return (
        '<footer><a href="'
        + _survey_url(page.code)
        + '/unsubscribe">Unsubscribe</a> from these surveys</footer>'
    )


def _document(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""
