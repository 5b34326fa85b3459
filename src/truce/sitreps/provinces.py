"""Syria's fourteen governorates named in the three languages of the interface.

The English name is the one the importers write into ``admin1`` (the OpenSyria spelling of
src/truce/importers/data/syria-admin-units.json), the Arabic that list's, the Russian the
spelling of the Russian reconciliation centre's bulletins of 2016."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Governorate:
    pcode: str
    en: str
    ar: str
    ru: str

    def name(self, lang: str) -> str:
        return {"ar": self.ar, "ru": self.ru}.get(lang, self.en)


GOVERNORATES = (
    Governorate("SY01", "Damascus", "دمشق", "Дамаск"),
    Governorate("SY02", "Aleppo", "حلب", "Алеппо"),
    Governorate("SY03", "Rif Dimashq", "ريف دمشق", "Дамаск (пригороды)"),
    Governorate("SY04", "Homs", "حمص", "Хомс"),
    Governorate("SY05", "Hama", "حماة", "Хама"),
    Governorate("SY06", "Latakia", "اللاذقية", "Латакия"),
    Governorate("SY07", "Idlib", "إدلب", "Идлиб"),
    Governorate("SY08", "Al-Hasakah", "الحسكة", "Хасеке"),
    Governorate("SY09", "Deir ez-Zor", "دير الزور", "Дейр-эз-Зор"),
    Governorate("SY10", "Tartus", "طرطوس", "Тартус"),
    Governorate("SY11", "Raqqa", "الرقة", "Ракка"),
    Governorate("SY12", "Daraa", "درعا", "Дараа"),
    Governorate("SY13", "As-Suwayda", "السويداء", "Эс-Сувейда"),
    Governorate("SY14", "Quneitra", "القنيطرة", "Эль-Кунейтра"),
)
_BY_NAME = {g.en.casefold(): g for g in GOVERNORATES}


def governorate(admin1: str | None) -> Governorate | None:
    """The governorate an incident's ``admin1`` names, None when it names none of them."""
    return _BY_NAME.get((admin1 or "").casefold())


def province_name(admin1: str | None, lang: str, unknown: str = "—") -> str:
    """``admin1`` as written in ``lang``; as stored when it is no governorate."""
    found = governorate(admin1)
    if found is not None:
        return found.name(lang)
    return admin1 or unknown
