"""Kinds of event: ACLED's event types and sub-types, the ceasefire kinds, and their families.

A report names what happened with ACLED's taxonomy (6 event types, 25 sub-types) or with one of
the ceasefire kinds a monitoring mission observes (an impact explosion, a muzzle flash, access
denied). Two sources often code one event differently: the shelling SOHR reports is an
"impact explosion" to a monitor and a "Shelling/artillery/missile attack" to ACLED; a battle
with artillery is a clash to one outlet and shelling to another. So kinds are grouped:

- the **family** is the widest group whose members may describe the same event. Linking only
  compares reports of one family (fighting is never the same event as a protest);
- the **mode**, within a family, is how force was used (remote fire, ground fighting, against
  civilians): reports of one event usually agree on it, and the linker weighs that.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from truce.domain.errors import Invalid
from truce.domain.i18n import N_


class Family(StrEnum):
    """The widest group of kinds that may describe one event."""

    HOSTILITIES = "hostilities"  # fire, fighting, attacks: all may be one event
    DETENTION = "detention"  # arrests, abductions, detentions
    ACCESS = "access"  # humanitarian access denied, convoys turned back
    UNREST = "unrest"  # protests and riots
    STRATEGIC = "strategic"  # agreements, changes of groups, bases, looting


class Mode(StrEnum):
    """How force was used, within a family."""

    REMOTE = "remote"  # shells, missiles, air strikes, explosives
    GROUND = "ground"  # clashes, assaults, territory taken
    CIVILIANS = "civilians"  # direct violence against civilians
    OTHER = "other"  # everything outside hostilities


BATTLES = "Battles"
EXPLOSIONS = "Explosions/Remote violence"
VIOLENCE_AGAINST_CIVILIANS = "Violence against civilians"
PROTESTS = "Protests"
RIOTS = "Riots"
STRATEGIC_DEVELOPMENTS = "Strategic developments"
CEASEFIRE = "Ceasefire"

# Ceasefire kinds, as a monitor reports them (event type ``Ceasefire``).
EXPLOSION = "impact or airburst explosion"
PROJECTILE = "projectile"
MUZZLE_FLASH = "muzzle flash"
GROUND_ASSAULT = "ground assault"
TERRITORY_SEIZED = "territory seized"
ACCESS_DENIED = "humanitarian access denied"
DETENTION = "detention"
CEASEFIRE_KINDS = (
    EXPLOSION, PROJECTILE, MUZZLE_FLASH, GROUND_ASSAULT, TERRITORY_SEIZED, ACCESS_DENIED, DETENTION,
)  # fmt: skip

_H, _D, _A, _U, _S = (
    Family.HOSTILITIES, Family.DETENTION, Family.ACCESS, Family.UNREST, Family.STRATEGIC,
)  # fmt: skip
_R, _G, _C, _O = Mode.REMOTE, Mode.GROUND, Mode.CIVILIANS, Mode.OTHER

# event type -> sub-type -> (family, mode)
TAXONOMY: dict[str, dict[str, tuple[Family, Mode]]] = {
    BATTLES: {
        "Armed clash": (_H, _G),
        "Government regains territory": (_H, _G),
        "Non-state actor overtakes territory": (_H, _G),
    },
    EXPLOSIONS: {
        "Chemical weapon": (_H, _R),
        "Air/drone strike": (_H, _R),
        "Suicide bomb": (_H, _R),
        "Shelling/artillery/missile attack": (_H, _R),
        "Remote explosive/landmine/IED": (_H, _R),
        "Grenade": (_H, _R),
    },
    VIOLENCE_AGAINST_CIVILIANS: {
        "Sexual violence": (_H, _C),
        "Attack": (_H, _C),
        "Abduction/forced disappearance": (_D, _O),
    },
    PROTESTS: {
        "Peaceful protest": (_U, _O),
        "Protest with intervention": (_U, _O),
        "Excessive force against protesters": (_U, _O),
    },
    RIOTS: {"Violent demonstration": (_U, _O), "Mob violence": (_U, _O)},
    STRATEGIC_DEVELOPMENTS: {
        "Agreement": (_S, _O),
        "Arrests": (_D, _O),
        "Change to group/activity": (_S, _O),
        "Disrupted weapons use": (_S, _O),
        "Headquarters or base established": (_S, _O),
        "Looting/property destruction": (_S, _O),
        "Non-violent transfer of territory": (_S, _O),
        "Other": (_S, _O),
    },
    CEASEFIRE: {
        EXPLOSION: (_H, _R),
        PROJECTILE: (_H, _R),
        MUZZLE_FLASH: (_H, _R),
        GROUND_ASSAULT: (_H, _G),
        TERRITORY_SEIZED: (_H, _G),
        ACCESS_DENIED: (_A, _O),
        DETENTION: (_D, _O),
    },
}

_BY_KEY = {
    (event_type.casefold(), sub.casefold()): (event_type, sub, group)
    for event_type, subs in TAXONOMY.items()
    for sub, group in subs.items()
}


@dataclass(frozen=True)
class EventKind:
    """One kind of event, spelled as the taxonomy spells it, with its family and mode."""

    event_type: str
    sub_event_type: str
    family: Family
    mode: Mode


def event_kind(event_type: str, sub_event_type: str) -> EventKind:
    """The kind named by a type and sub-type (case-insensitive); Invalid when there is none."""
    key = (event_type.strip().casefold(), sub_event_type.strip().casefold())
    if key not in _BY_KEY:
        raise Invalid(
            N_(
                "Unknown event kind {event_type!r} / {sub_event_type!r}: use an ACLED event "
                "type and sub-type, or event type 'Ceasefire' with a ceasefire kind."
            ),
            field="sub_event_type",
            event_type=event_type,
            sub_event_type=sub_event_type,
        )
    spelled_type, spelled_sub, (family, mode) = _BY_KEY[key]
    return EventKind(spelled_type, spelled_sub, family, mode)


# --- the kinds named in the interface's other languages ----------------------------------
# The taxonomy's own terms, as ACLED and the ceasefire kinds spell them, are what is stored
# and what English shows; reports and pages show these in Arabic and Russian. Like the
# governorates' names (sitreps/provinces.py), a fixed vocabulary: one table, beside the
# taxonomy it translates, so a kind added above without its names fails tests/unit/test_sitreps.py.
# term -> (Arabic, Russian)
KIND_NAMES: dict[str, tuple[str, str]] = {
    BATTLES: ("معارك", "Боевые столкновения"),
    EXPLOSIONS: ("انفجارات/عنف عن بعد", "Взрывы/дистанционное насилие"),
    VIOLENCE_AGAINST_CIVILIANS: ("عنف ضد المدنيين", "Насилие в отношении мирных жителей"),
    PROTESTS: ("احتجاجات", "Протесты"),
    RIOTS: ("أعمال شغب", "Беспорядки"),
    STRATEGIC_DEVELOPMENTS: ("تطورات استراتيجية", "Стратегические события"),
    CEASEFIRE: ("وقف إطلاق النار", "Прекращение огня"),
    "Armed clash": ("اشتباك مسلح", "Вооружённое столкновение"),
    "Government regains territory": (
        "استعادة الحكومة السيطرة على أراضٍ",
        "Правительство восстанавливает контроль над территорией",
    ),
    "Non-state actor overtakes territory": (
        "سيطرة جهة من غير الدول على أراضٍ",
        "Негосударственная группа захватывает территорию",
    ),
    "Chemical weapon": ("سلاح كيميائي", "Химическое оружие"),
    "Air/drone strike": ("غارة جوية/بطائرة مسيّرة", "Авиаудар/удар беспилотника"),
    "Suicide bomb": ("تفجير انتحاري", "Взрыв смертника"),
    "Shelling/artillery/missile attack": (
        "قصف/هجوم مدفعي أو صاروخي",
        "Обстрел/артиллерийский или ракетный удар",
    ),
    "Remote explosive/landmine/IED": (
        "عبوة ناسفة عن بعد/لغم أرضي/عبوة مرتجلة",
        "Дистанционное взрывное устройство/мина/СВУ",
    ),
    "Grenade": ("قنبلة يدوية", "Граната"),
    "Sexual violence": ("عنف جنسي", "Сексуальное насилие"),
    "Attack": ("هجوم", "Нападение"),
    "Abduction/forced disappearance": (
        "اختطاف/إخفاء قسري",
        "Похищение/насильственное исчезновение",
    ),
    "Peaceful protest": ("احتجاج سلمي", "Мирный протест"),
    "Protest with intervention": ("احتجاج مع تدخل", "Протест с вмешательством"),
    "Excessive force against protesters": (
        "استخدام مفرط للقوة ضد المحتجين",
        "Чрезмерное применение силы против протестующих",
    ),
    "Violent demonstration": ("مظاهرة عنيفة", "Насильственная демонстрация"),
    "Mob violence": ("عنف جماعي", "Насилие толпы"),
    "Agreement": ("اتفاق", "Соглашение"),
    "Arrests": ("اعتقالات", "Аресты"),
    "Change to group/activity": ("تغيير في جماعة/نشاط", "Изменения в группе/деятельности"),
    "Disrupted weapons use": ("إحباط استخدام أسلحة", "Предотвращённое применение оружия"),
    "Headquarters or base established": ("إنشاء مقر أو قاعدة", "Создание штаба или базы"),
    "Looting/property destruction": ("نهب/تدمير ممتلكات", "Мародёрство/уничтожение имущества"),
    "Non-violent transfer of territory": (
        "نقل سلمي للأراضي",
        "Ненасильственная передача территории",
    ),
    "Other": ("أخرى", "Другое"),
    EXPLOSION: ("انفجار عند الارتطام أو في الجو", "Взрыв при ударе или в воздухе"),
    PROJECTILE: ("مقذوف", "Снаряд"),
    MUZZLE_FLASH: ("وميض إطلاق نار", "Вспышка выстрела"),
    GROUND_ASSAULT: ("هجوم بري", "Наземная атака"),
    TERRITORY_SEIZED: ("السيطرة على أراضٍ", "Захват территории"),
    ACCESS_DENIED: ("منع الوصول الإنساني", "Отказ в гуманитарном доступе"),
    DETENTION: ("احتجاز", "Задержание"),
}


def kind_name(term: str | None, lang: str) -> str:
    """An event type or sub-type of the taxonomy as written in ``lang``; a term outside the
    taxonomy (an old import's spelling) as stored."""
    if not term:
        return ""
    names = KIND_NAMES.get(term)
    if names is None or lang not in ("ar", "ru"):
        return term
    return names[0] if lang == "ar" else names[1]
