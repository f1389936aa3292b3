"""The survey pages' HTML, in the page's language and the system's colours.

Plain HTML that works without JavaScript: a form with radio inputs for the 0-10 scale, then
(once answered, when the system has drivers for the score) one with a checkbox per driver,
styled by one inline style sheet (the Content-Security-Policy allows nothing else but our
own images). Texts come from the gettext catalogues (``languages.py``); every value from
data, and every translated text, goes through :func:`html.escape`.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from opengauge.server.domain import branding as rules
from opengauge.server.survey import languages
from opengauge.server.survey.languages import N_
from opengauge.server.survey.schemas import MAX_COMMENT, Brand, SurveyPage

LOW_HINT = N_("Not at all likely")
HIGH_HINT = N_("Extremely likely")

_STYLE = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;padding:1rem;background:#f3f4f6;color:#1f2937;line-height:1.5;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.card{max-width:40rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:12px;
border-top:6px solid var(--brand);box-shadow:0 1px 3px rgba(0,0,0,.12)}
header{display:flex;align-items:center;min-height:2.5rem;margin:0 0 1.25rem}
header img{display:block;max-width:12rem;max-height:3.5rem;width:auto;height:auto}
header span{font-weight:700;font-size:1.1rem}
h1{font-size:1.4rem;line-height:1.3;margin:0 0 1rem}
p{margin:0 0 1rem}
fieldset{border:0;margin:0 0 1.5rem;padding:0;min-width:0}
legend{font-size:1.15rem;font-weight:600;line-height:1.35;margin-bottom:1rem;padding:0}
.scale{display:grid;grid-template-columns:repeat(11,minmax(0,1fr));gap:.3rem}
.scale div{position:relative;min-width:0}
/* The radio stays focusable and keeps the browser's "required" hint; its label is the target. */
.scale input{position:absolute;left:50%;bottom:0;width:1px;height:1px;margin:0;opacity:0;
pointer-events:none}
.scale label{display:flex;align-items:center;justify-content:center;min-height:2.75rem;
border:1px solid #6b7280;border-radius:8px;background:#fff;font-weight:600;cursor:pointer;
user-select:none;font-variant-numeric:tabular-nums}
.scale label:hover{border-color:#1f2937;background:#f3f4f6}
.scale input:checked+label{background:var(--brand);border-color:var(--brand-edge);
color:var(--on-brand)}
.scale input:focus-visible+label{outline:3px solid #b45309;outline-offset:2px}
.hints{display:flex;justify-content:space-between;gap:1rem;margin-top:.4rem;font-size:.9rem;
color:#4b5563}
.hints span:last-child{text-align:right}
.choices{display:grid;gap:.5rem}
.choice{display:flex;align-items:flex-start;gap:.65rem;padding:.6rem .75rem;
border:1px solid #6b7280;border-radius:8px}
.choice.sub{margin-left:1.5rem}
.choice input{width:1.25rem;height:1.25rem;margin:.15rem 0 0;flex:none;
accent-color:var(--brand)}
.choice input:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.choice label{flex:1;cursor:pointer}
label.comment{display:block;font-weight:600;margin-bottom:.4rem}
textarea{display:block;width:100%;min-height:7rem;padding:.6rem;font:inherit;
border:1px solid #6b7280;border-radius:8px;resize:vertical}
textarea:focus-visible{outline:3px solid #b45309;outline-offset:1px}
button{margin-top:1.25rem;padding:.75rem 1.75rem;font:inherit;font-weight:600;
color:var(--on-brand);background:var(--brand);border:2px solid var(--brand-edge);
border-radius:8px;cursor:pointer}
button:hover{text-decoration:underline}
button:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.error{padding:.75rem 1rem;border-left:4px solid #b91c1c;background:#fef2f2;color:#991b1b}
.muted{color:#4b5563;font-size:.9rem}
footer{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin-top:2rem;font-size:.85rem;
color:#4b5563}
footer p{margin:0}
a{color:#1d4ed8}
@media (max-width:30rem){
/* A phone: the card is the page, so that eleven scores fit one row (29 px each at 360 px,
25 at 320). */
body{padding:0;background:#fff}
.card{margin:0;padding:1rem .75rem;border-radius:0;box-shadow:none}
.scale{gap:2px}
.scale label{border-radius:6px}
}
"""


class _Texts:
    """The page's texts: ``_(message, **values)`` is the message in the page's language,
    with the values put in, escaped for HTML."""

    def __init__(self, language: str) -> None:
        self.texts = languages.texts(language)
        self.language = self.texts.language

    def __call__(self, message: str, **values: object) -> str:
        text = self.texts.gettext(message)
        return escape(text % values if values else text)

    def with_html(self, message: str, **markup: str) -> str:
        """The message escaped, then ``markup`` (HTML made here) put in its places."""
        return escape(self.texts.gettext(message)) % markup


def survey(page: SurveyPage, *, error: str | None = None, comment: str = "") -> str:
    """The survey form; with ``error`` (a catalogue message), shown again after a refused
    post."""
    _ = _Texts(page.language)
    name = page.brand.name
    if page.question:
        question = escape(page.question)
    else:
        question = _(
            "How likely are you to recommend %(name)s to a friend or colleague?", name=name
        )
    scale = "\n".join(
        f'<div><input type="radio" name="score" id="score-{n}" value="{n}" required'
        f'{_invalid(error)}><label for="score-{n}">{n}</label></div>'
        for n in range(11)
    )
    described = "scale-hints score-error" if error else "scale-hints"
    alert = ""
    if error:
        message = _(error, max=MAX_COMMENT)
        alert = f'<p class="error" role="alert" id="score-error">{message}</p>\n'
    if page.first_name:
        greeting = _("Hi %(first_name)s,", first_name=page.first_name)
    else:
        greeting = _("Hello,")
    heading = _("%(name)s would like your feedback", name=name)
    low, high = _(LOW_HINT), _(HIGH_HINT)
    comment_label = _("Anything you would like to add? (optional)")
    send = _("Send my answer")
    body = f"""<h1>{heading}</h1>
{alert}<p>{greeting}</p>
<form method="post" action="{_survey_url(page.code)}">
<input type="hidden" name="form_token" value="{escape(page.form_token)}">
<fieldset aria-describedby="{described}">
<legend>{question}</legend>
<div class="scale">
{scale}
</div>
<div class="hints" id="scale-hints"><span>0 = {low}</span><span>10 = {high}</span></div>
</fieldset>
<label class="comment" for="comment">{comment_label}</label>
<textarea id="comment" name="comment" rows="5" maxlength="{MAX_COMMENT}">
{escape(comment)}</textarea>
<button type="submit">{send}</button>
</form>"""
    title = _("Survey: %(name)s", name=name)
    return _document(_, title, body, page, unsubscribe=page.can_unsubscribe)


def answered(page: SurveyPage) -> str:
    """What an answered survey shows: the drivers question while it is open, else thanks."""
    return drivers(page) if page.drivers else thank_you(page)


def drivers(page: SurveyPage) -> str:
    """The drivers question, once the score is stored: one checkbox per driver that fits it."""
    _ = _Texts(page.language)
    choices = "\n".join(
        f'<div class="choice{" sub" if choice.level == 2 else ""}">'
        f'<input type="checkbox" name="driver" id="driver-{i}"'
        f' value="{escape(choice.reason_code)}"><label for="driver-{i}">{escape(choice.label)}'
        "</label></div>"
        for i, choice in enumerate(page.drivers)
    )
    heading = _("Your score has been recorded")
    more = _("One more question, if you have a moment.")
    question = _("What influenced your score?")
    hint = _("Choose all that apply.")
    send = _("Send")
    body = f"""<h1>{heading}</h1>
<p>{more}</p>
<form method="post" action="{_survey_url(page.code)}/drivers">
<input type="hidden" name="form_token" value="{escape(page.form_token)}">
<fieldset aria-describedby="drivers-hint">
<legend>{question}</legend>
<p class="muted" id="drivers-hint">{hint}</p>
<div class="choices">
{choices}
</div>
</fieldset>
<button type="submit">{send}</button>
</form>"""
    return _document(_, _("One more question"), body, page)


def thank_you(page: SurveyPage) -> str:
    """Shown once the survey has its answer (and its drivers). No unsubscribe link: the
    visitor has just answered; the link belongs with the question."""
    _ = _Texts(page.language)
    heading = _("Thank you!")
    thanks = _(
        "Your answer has been recorded. %(name)s appreciates your feedback.",
        name=page.brand.name,
    )
    body = f"<h1>{heading}</h1>\n<p>{thanks}</p>"
    return _document(_, _("Thank you"), body, page)


def unsubscribe(page: SurveyPage) -> str:
    """The confirmation step: a GET shows this form and changes nothing."""
    _ = _Texts(page.language)
    heading = _("Unsubscribe")
    question = _("Stop receiving survey invitations from %(name)s?", name=page.brand.name)
    back = _("Back to the survey")
    body = f"""<h1>{heading}</h1>
<p>{question}</p>
<form method="post" action="{_survey_url(page.code)}/unsubscribe">
<input type="hidden" name="form_token" value="{escape(page.form_token)}">
<button type="submit">{heading}</button>
</form>
<p class="muted"><a href="{_survey_url(page.code)}">{back}</a></p>"""
    return _document(_, heading, body, page)


def unsubscribed(page: SurveyPage) -> str:
    """The unsubscribe is done."""
    _ = _Texts(page.language)
    heading = _("You have been unsubscribed")
    done = _(
        "You will not receive survey invitations from %(name)s any more.", name=page.brand.name
    )
    body = f"<h1>{heading}</h1>\n<p>{done}</p>"
    return _document(_, _("Unsubscribed"), body, page)


def error(status: int, language: str = languages.ENGLISH) -> str:
    """A page for a refusal: unknown link, refused form or a server problem."""
    _ = _Texts(language)
    title, text = (_(message) for message in _ERRORS.get(status, _ERRORS[500]))
    return _document(_, title, f"<h1>{title}</h1>\n<p>{text}</p>")


_ERRORS: dict[int, tuple[str, str]] = {
    403: (
        N_("This form could not be accepted"),
        N_("It was sent from another site, or it has expired. Please open the survey link again."),
    ),
    404: (
        N_("Survey not found"),
        N_("This survey link is not valid. Please check that you have the whole link."),
    ),
    405: (N_("Not allowed"), N_("This page can't be used that way.")),
    413: (
        N_("Too much text"),
        N_("What you sent is too long. Please shorten it and try again."),
    ),
    429: (
        N_("Too many attempts"),
        N_("This form was sent too often. Please wait a little and try again."),
    ),
    500: (N_("Something went wrong"), N_("Please try again in a moment.")),
    503: (N_("Temporarily unavailable"), N_("Please try again in a moment.")),
}


def _survey_url(code: str) -> str:
    return "/r/" + quote(code, safe="")


def _invalid(error: str | None) -> str:
    return ' aria-invalid="true"' if error else ""


def _header(brand: Brand) -> str:
    if brand.logo_path:
        shown = f'<img src="{escape(brand.logo_path)}" alt="{escape(brand.name)}">'
    else:
        shown = f"<span>{escape(brand.name)}</span>"
    return f"<header>{shown}</header>\n"


def _footer(_: _Texts, page: SurveyPage, *, unsubscribe: bool) -> str:
    parts = []
    if unsubscribe:
        label = _("Unsubscribe")
        link = f'<a href="{_survey_url(page.code)}/unsubscribe">{label}</a>'
        sentence = _.with_html(N_("%(link)s from these surveys"), link=link)
        parts.append(f"<p>{sentence}</p>")
    if page.brand.privacy_url:
        url, label = escape(page.brand.privacy_url), _("Privacy policy")
        parts.append(f'<p><a href="{url}" rel="noreferrer">{label}</a></p>')
    return f"\n<footer>{''.join(parts)}</footer>" if parts else ""


def _colours(brand: Brand | None) -> str:
    colour = rules.DEFAULT_COLOUR if brand is None else brand.colour
    on_colour = rules.text_on(colour) if brand is None else brand.on_colour
    edge = rules.edge_on_white(colour) if brand is None else brand.edge
    # Only #rrggbb values reach here (checked when stored and again in the service).
    return f":root{{--brand:{colour};--on-brand:{on_colour};--brand-edge:{edge}}}"


def _document(
    _: _Texts, title: str, body: str, page: SurveyPage | None = None, *, unsubscribe: bool = False
) -> str:
    brand = None if page is None else page.brand
    header = "" if brand is None else _header(brand)
    footer = "" if page is None else _footer(_, page, unsubscribe=unsubscribe)
    return f"""<!DOCTYPE html>
<html lang="{_.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{title}</title>
<style>{_colours(brand)}{_STYLE}</style>
</head>
<body>
<div class="card">
{header}<main>
{body}
</main>{footer}
</div>
</body>
</html>
"""
