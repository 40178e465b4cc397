"""The administrator's form for the role "Übersetzung" (the editor's fields are one per paragraph: see views)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets
from wtforms.fields import SelectChoice

from consult.core.forms import Form
from consult.translations.languages import label, reading_languages


class TranslatorForm(Form):
    languages = SelectMultipleField(
        _l("Translation"), widget=widgets.ListWidget(prefix_label=False), option_widget=widgets.CheckboxInput()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages.choices = [SelectChoice(code, label(code)) for code in reading_languages()]
