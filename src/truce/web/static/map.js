/* The map page: the guarantors' areas for one day, drawn over a basemap served by Truce itself.
 *
 * Plain script, no build step. Leaflet and topojson-client are loaded before it (vendored from
 * npm by `make vendor`); no tile server is used, so the page works offline. Everything the
 * script shows is built with DOM calls (never innerHTML from the API), and there is no inline
 * script or style attribute: the Content-Security-Policy forbids both.
 */
(function () {
  "use strict";

  const el = document.getElementById("map");
  if (!el) return;
  const status = document.querySelector('[data-testid="map-status"]');
  if (!window.L || !window.topojson) {
    // The vendored libraries are missing (`make vendor` not run): say so rather than show nothing.
    status.textContent = "The map's libraries did not load (/static/vendor/). Run `make vendor`.";
    status.classList.add("map-error");
    return;
  }
  el.closest(".map-layout").hidden = false; // before Leaflet measures the container

  const text = JSON.parse(document.getElementById("map-text").textContent);
  const lang = document.documentElement.lang || "en";
  // The map itself is laid out left to right; what it says follows the page's direction.
  const direction = document.documentElement.dir || "ltr";
  const guarantors = el.dataset.guarantors.split(" ").filter(Boolean);
  const effectiveAt = Date.parse(el.dataset.effectiveAt);
  const firstDay = el.dataset.first;
  const lastDay = el.dataset.last;
  // The agreement's time zone: the day shown is a day there, and noon is its noon (the rest of
  // the site shows times in it too).
  const zone = el.dataset.timezone || "UTC";
  // Days and numbers in the page's language, as the server writes them (Babel there, the same
  // CLDR data here); how the language joins a date ({1}) and a time ({0}) comes from the page.
  const dayFormat = new Intl.DateTimeFormat(lang, {
    year: "numeric", month: "short", day: "numeric", timeZone: "UTC",
  });
  const numberFormat = new Intl.NumberFormat(lang);
  const datetimePattern = el.dataset.datetimePattern || "{1}, {0}";

  // Syria and a margin, used until the governorates have loaded and as the panning limit.
  const SYRIA = [[32.3, 35.7], [37.35, 42.4]];
  const LIMITS = [[27, 29], [43, 49]];
  const SYRIA_ID = "760"; // ISO 3166 numeric code in world-atlas
  // Where to write the neighbours' names: inside each country, close to Syria.
  const NEIGHBOUR_LABELS = {
    "792": [37.5, 38.9], // Turkey
    "368": [33.6, 42.3], // Iraq
    "400": [32.15, 37.6], // Jordan
    "422": [33.95, 35.83], // Lebanon
    "376": [32.75, 35.25], // Israel
    "196": [35.05, 33.3], // Cyprus
  };

  // The status colours are truce.css's custom properties, so the map and the tables agree.
  const COLOUR = {};
  for (const name of ["committed", "excluded", "suspended", "unknown", "disagreement"]) {
    COLOUR[name] = cssVar("--" + name);
  }

  const dom = {
    slider: document.getElementById("map-day"),
    date: document.getElementById("map-date"),
    shown: document.querySelector('[data-testid="date"]'),
    force: document.querySelector('[data-testid="in-force"]'),
    status,
    form: document.querySelector('[data-testid="date-form"]'),
    point: document.querySelector('[data-testid="point-form"]'),
  };
  const state = {
    day: el.dataset.day, // the day shown, YYYY-MM-DD
    point: null, // the point whose popup is open, refreshed when the day changes
    dayRequest: null, // AbortControllers: a newer request cancels the one still running
    pointRequest: null,
    incidentRequest: null,
    timer: 0,
  };

  const map = L.map(el, {
    minZoom: 5,
    maxZoom: 12,
    zoomSnap: 0.25,
    maxBounds: LIMITS,
    maxBoundsViscosity: 0.8,
  });
  map.fitBounds(SYRIA);
  window.truceMap = map; // for the browser tests (latLngToContainerPoint) and the curious

  definePanes();
  defineHatches();
  const areaLayers = {};
  for (const g of guarantors) {
    areaLayers[g] = areaLayer().addTo(map);
  }
  // Conflicts (on by default) apart from areas only one guarantor delineates (off by default):
  // in practice most areas are one-sided, and hatching them all would hide the statuses.
  const disagreementLayer = disagreementGroup().addTo(map);
  const oneSidedLayer = disagreementGroup();
  // The incidents of the day shown, clustered (leaflet.markercluster) when they crowd.
  const incidentLayer = (L.markerClusterGroup
    ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 })
    : L.layerGroup()
  ).addTo(map);
  window.truceIncidents = incidentLayer; // for the browser tests
  layersControl();
  const popup = L.popup({ minWidth: 260, maxWidth: 340, className: "verdict-popup" });

  map.on("click", (event) => showPoint(event.latlng));
  map.on("popupclose", () => {
    state.point = null;
  });
  wireDateControls();
  wirePointForm();
  drawBasemap();
  showDay(state.day, { now: true });

  // --- small helpers ----------------------------------------------------------------------

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /** "{state} accepted" with {state} filled in, as nodes: in a right-to-left page each value
   * in a <bdi> of its own (a node given as a value is kept), so that a number, a time or a
   * Latin name keeps its order inside the sentence ("US" in Arabic, "12:00 +02:00" after an
   * Arabic date), as rendering.fill does on the server. */
  function fill(template, values) {
    const out = document.createDocumentFragment();
    let rest = 0;
    for (const match of template.matchAll(/\{(\w+)\}/g)) {
      if (!(match[1] in values)) continue;
      out.append(template.slice(rest, match.index), isolated(values[match[1]]));
      rest = match.index + match[0].length;
    }
    out.append(template.slice(rest));
    return out;
  }

  function isolated(value) {
    if (value instanceof Node) return value;
    return direction === "rtl" ? node("bdi", null, String(value)) : document.createTextNode(value);
  }

  /** Pieces (text or nodes) one after the other with a separator between them. */
  function joined(pieces, separator) {
    const out = document.createDocumentFragment();
    pieces.forEach((piece, index) => {
      if (index) out.append(separator);
      out.append(piece);
    });
    return out;
  }

  /** The HTML of some nodes, for the few Leaflet options that take HTML. */
  function htmlOf(content) {
    const holder = document.createElement("span");
    holder.append(content);
    return holder.innerHTML;
  }

  /** An element with a class and content: text (never parsed as HTML: API values are text)
   * or nodes. */
  function node(tag, className, content) {
    const item = document.createElement(tag);
    if (className) item.className = className;
    if (content instanceof Node) item.append(content);
    else if (content !== undefined && content !== null) item.textContent = content;
    return item;
  }

  /** Text that reads left to right (a clock, coordinates): an isolate in a right-to-left page. */
  function ltr(text) {
    if (direction !== "rtl") return document.createTextNode(text);
    const item = node("bdi", null, text);
    item.dir = "ltr";
    return item;
  }

  function escapeHtml(value) {
    const holder = document.createElement("span");
    holder.textContent = value;
    return holder.innerHTML;
  }

  function stateName(code) {
    return (text.guarantors && text.guarantors[code]) || code;
  }

  function say(message) {
    dom.status.replaceChildren(message);
  }

  async function getJSON(url, signal) {
    const response = await fetch(url, { signal, headers: { accept: "application/json" } });
    if (!response.ok) {
      throw new Error("HTTP " + response.status);
    }
    return response.json();
  }

  /** Every feature of a paged GeoJSON list, following its `next` links. */
  async function getAllFeatures(url, signal) {
    const features = [];
    for (let next = url; next; ) {
      const page = await getJSON(next, signal);
      features.push(...(page.features || []));
      next = page.next;
    }
    return { type: "FeatureCollection", features };
  }

  function isAbort(error) {
    return error && error.name === "AbortError";
  }

  // --- days -------------------------------------------------------------------------------
  // Days are ISO dates (YYYY-MM-DD); arithmetic in UTC so no local clock shifts them.

  function dayNumber(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return Date.UTC(y, m - 1, d) / 86400000;
  }

  function dayFromOffset(offset) {
    return new Date((dayNumber(firstDay) + offset) * 86400000).toISOString().slice(0, 10);
  }

  /** The moment the map shows for a day: noon in the agreement's zone, with its offset. */
  function momentOf(day) {
    return day + "T12:00:00" + offsetAtNoon(day);
  }

  /** The zone's UTC offset at noon on a day, as "+02:00" (Intl knows each zone's rules). */
  function offsetAtNoon(day) {
    const noon = (dayNumber(day) * 24 + 12) * 3600000; // noon of that day, read as UTC
    let minutes = zoneMinutes(noon);
    minutes = zoneMinutes(noon - minutes * 60000); // the offset in force at the zone's noon
    const sign = minutes < 0 ? "-" : "+";
    const abs = Math.abs(minutes);
    const pad = (n) => String(n).padStart(2, "0");
    return sign + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }

  /** Minutes the zone's clock is ahead of UTC at a moment. */
  function zoneMinutes(moment) {
    const parts = {};
    const clock = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    for (const part of clock.formatToParts(new Date(moment))) parts[part.type] = Number(part.value);
    const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute,
      parts.second);
    return Math.round((local - moment) / 60000);
  }

  function clampDay(day) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return state.day;
    return day < firstDay ? firstDay : day > lastDay ? lastDay : day;
  }

  /** "Feb 28, 2016, 12:00 +02:00": the day and the zone's noon, as the page first shows it
   * (rendering.when on the server): the clock and offset one left-to-right island. */
  function dayLabel(day) {
    const calendarDay = new Date((dayNumber(day) * 24 + 12) * 3600000);
    return fill(datetimePattern, {
      0: ltr("12:00 " + offsetAtNoon(day)),
      1: document.createTextNode(dayFormat.format(calendarDay)),
    });
  }

  /** A message in the plural form the language uses for `count` (forms come from gettext). */
  function plural(forms, count, values) {
    const category = new Intl.PluralRules(lang).select(count);
    const template = forms[category] || forms.other || Object.values(forms)[0] || "";
    return fill(template, Object.assign({ num: numberFormat.format(count) }, values));
  }

  // --- panes and patterns -----------------------------------------------------------------

  /** Panes inside the overlay pane, stacked by truce.css: the basemap under the areas. */
  function definePanes() {
    const overlay = map.getPane("overlayPane");
    for (const name of ["countries", "countryLabels", "land", "districts", "areas", "governorates",
      "disagreements"]) {
      map.createPane(name, overlay);
    }
  }

  /** Diagonal hatching for disputed areas, one per status colour, referenced as fill: url(#…). */
  function defineHatches() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "map-defs");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    const defs = document.createElementNS(ns, "defs");
    for (const [name, colour] of Object.entries(COLOUR)) {
      const pattern = document.createElementNS(ns, "pattern");
      pattern.setAttribute("id", "hatch-" + name);
      pattern.setAttribute("patternUnits", "userSpaceOnUse");
      pattern.setAttribute("width", "8");
      pattern.setAttribute("height", "8");
      pattern.setAttribute("patternTransform", "rotate(45)");
      const ground = document.createElementNS(ns, "rect");
      ground.setAttribute("width", "8");
      ground.setAttribute("height", "8");
      ground.setAttribute("fill", colour);
      ground.setAttribute("fill-opacity", "0.12");
      const stripe = document.createElementNS(ns, "rect");
      stripe.setAttribute("width", "3");
      stripe.setAttribute("height", "8");
      stripe.setAttribute("fill", colour);
      stripe.setAttribute("fill-opacity", "0.5");
      pattern.append(ground, stripe);
      defs.append(pattern);
    }
    svg.append(defs);
    document.body.append(svg);
  }

  // --- the basemap ------------------------------------------------------------------------

  async function drawBasemap() {
    try {
      const [world, governorates, districts] = await Promise.all([
        getJSON("/static/vendor/countries-50m.json"),
        getJSON("/static/basemap/syr_admin1.geojson"),
        getJSON("/static/basemap/syr_admin2.geojson"),
      ]);
      drawCountries(world);
      // The governorates twice: their land under everything (it catches the pointer for their
      // names), their outlines above the areas so they stay readable through them.
      const outlines = L.geoJSON(governorates, {
        pane: "governorates",
        className: "basemap basemap-governorate",
        attribution: "UN OCHA COD-AB",
        interactive: false,
        style: governorateStyle,
      });
      const outlineOf = {};
      outlines.eachLayer((layer) => {
        outlineOf[layer.feature.properties.adm1_pcode] = layer;
      });
      L.geoJSON(governorates, {
        pane: "land",
        className: "basemap basemap-land",
        style: { stroke: false, fillColor: "#ffffff", fillOpacity: 1 },
        onEachFeature: (feature, layer) => bindGovernorate(feature, layer, outlineOf),
      }).addTo(map);
      L.geoJSON(districts, {
        pane: "districts",
        className: "basemap basemap-district",
        interactive: false,
        style: { color: "#9aa4ad", weight: 0.6, opacity: 0.9, fill: false },
      }).addTo(map);
      outlines.addTo(map);
      el.dataset.basemap = "ready";
    } catch (error) {
      el.dataset.basemap = "failed";
      say(fill(text.failed, { what: text.what_basemap, why: error.message }));
    }
  }

  function drawCountries(world) {
    const countries = topojson.feature(world, world.objects.countries);
    L.geoJSON(countries, {
      pane: "countries",
      className: "basemap basemap-country",
      interactive: false,
      attribution: "Natural Earth",
      // Syria is drawn too, without its outline: the COD-AB land above it has a different,
      // finer border, and Natural Earth's Syria fills the slivers between the two datasets.
      style: (feature) => ({
        color: "#b9c0c7",
        weight: 0.8,
        stroke: feature.id !== SYRIA_ID,
        fillColor: "#e4e7ea",
        fillOpacity: 1,
      }),
    }).addTo(map);
    for (const feature of countries.features) {
      const at = NEIGHBOUR_LABELS[feature.id];
      if (!at) continue;
      L.marker(at, {
        pane: "countryLabels",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: "country-label",
          html: escapeHtml(feature.properties.name),
          iconSize: null, // sized by its text; truce.css centres it on the point
        }),
      }).addTo(map);
    }
  }

  function governorateStyle() {
    return { color: "#56616b", weight: 1.3, opacity: 1, fill: false };
  }

  /** The governorate's name in English and Arabic on hover, with its outline strengthened. */
  function bindGovernorate(feature, layer, outlineOf) {
    const p = feature.properties;
    const label = node("span", "gov-name", p.adm1_name);
    const arabic = node("span", "gov-name-ar", p.adm1_name1);
    arabic.lang = "ar";
    arabic.dir = "rtl";
    const content = node("span");
    content.append(label, " ", arabic);
    layer.bindTooltip(content, {
      sticky: true,
      direction: "top",
      className: "gov-tooltip",
      opacity: 0.95,
    });
    const outline = outlineOf[p.adm1_pcode];
    if (!outline) return;
    layer.on("mouseover", () => outline.setStyle({ weight: 2.6, color: "#2d3740" }));
    layer.on("mouseout", () => outline.setStyle(governorateStyle()));
  }

  // --- the areas and disagreements ----------------------------------------------------------

  function areaLayer() {
    return L.geoJSON(null, {
      pane: "areas",
      style: areaStyle,
      onEachFeature: bindArea,
      // An area given as a point with a radius is drawn as a circle of that radius.
      pointToLayer: (feature, latlng) =>
        L.circle(latlng, { radius: feature.properties.radius_m || 1000 }),
    });
  }

  /** Fill by the party's status; the outline says what the other guarantor answered.
   * The className reaches the <path> because Leaflet applies the style before drawing it. */
  function areaStyle(feature) {
    const p = feature.properties;
    const status = p.status in COLOUR ? p.status : "unknown";
    const colour = COLOUR[status];
    const style = {
      className: "area area-" + status + " review-" + p.review,
      color: colour,
      weight: 2,
      opacity: 0.95,
      fillColor: colour,
      fillOpacity: 0.25,
      dashArray: null,
    };
    if (p.review === "pending") {
      style.dashArray = "7 5";
    } else if (p.review === "disputed") {
      Object.assign(style, {
        color: COLOUR.excluded,
        weight: 2.5,
        dashArray: "3 5",
        fillColor: "url(#hatch-" + status + ")",
        fillOpacity: 1,
      });
    }
    return style;
  }

  /** Hover: party, status, label, who asserted it and the other guarantor's answer. */
  function bindArea(feature, layer) {
    const p = feature.properties;
    const content = node("div", "area-tip");
    content.dir = direction;
    const head = node("strong", null, p.party);
    head.dir = "auto";
    content.append(head, " ", statusBadge(p.status));
    const details = areaDetails(p.label, p.guarantor, p.review);
    if (p.approximate) details.append(" · " + text.approximate);
    content.append(node("div", "muted", details));
    layer.bindTooltip(content, { sticky: true, direction: "top", opacity: 0.95 });
  }

  /** "Label · asserted by US · RU accepted": who drew an area and what the other side said. */
  function areaDetails(label, guarantor, review) {
    const bits = [
      label ? isolated(label) : null,
      fill(text.asserted, { state: guarantor }),
      reviewText(guarantor, review),
    ];
    return joined(bits.filter(Boolean), " · ");
  }

  function statusBadge(status) {
    return node("span", "status status-" + status, text.status[status] || status);
  }

  function verdictWord(verdict) {
    return text.verdict[verdict] || verdict;
  }

  /** "RU accepted" / "RU has not answered" / "RU disputes" for an area asserted by `by`. */
  function reviewText(by, review) {
    const others = guarantors.filter((g) => g !== by);
    const template = text.review[review];
    return template && others.length ? fill(template, { state: others.join(", ") }) : null;
  }

  function disagreementGroup() {
    return L.geoJSON(null, {
      pane: "disagreements",
      style: disagreementStyle,
      onEachFeature: bindDisagreement,
    });
  }

  /** Hatched where the guarantors' maps conflict; only an outline for the milder kinds. */
  function disagreementStyle(feature) {
    const kind = feature.properties.kind;
    const style = {
      className: "disagreement disagreement-" + kind,
      color: COLOUR.disagreement,
      weight: 2.5,
      opacity: 1,
      dashArray: "1 6",
      lineCap: "round",
      fillColor: "url(#hatch-disagreement)",
      fillOpacity: 1,
    };
    if (kind === "disputed" || kind === "one_side_only") {
      Object.assign(style, { weight: 2, dashArray: "4 4", fill: false });
    }
    return style;
  }

  /** Only the polygons of a geometry: intersections of touching areas also yield lines and
   * points, which are artefacts rather than places where the guarantors disagree. */
  function polygonal(geometry) {
    if (!geometry) return null;
    if (geometry.type === "Polygon" || geometry.type === "MultiPolygon") return geometry;
    if (geometry.type !== "GeometryCollection") return null;
    const polygons = [];
    for (const part of geometry.geometries || []) {
      const kept = polygonal(part);
      if (kept && kept.type === "Polygon") polygons.push(kept.coordinates);
      if (kept && kept.type === "MultiPolygon") polygons.push(...kept.coordinates);
    }
    return polygons.length ? { type: "MultiPolygon", coordinates: polygons } : null;
  }

  function bindDisagreement(feature, layer) {
    const item = feature.properties;
    const content = node("div", "area-tip");
    content.dir = direction;
    content.append(node("strong", null, text.kind[item.kind] || item.kind));
    const summary = node("div", null, item.summary);
    summary.dir = "auto";
    content.append(summary);
    layer.bindTooltip(content, { sticky: true, direction: "top", opacity: 0.95 });
  }

  function layersControl() {
    const overlays = {};
    for (const g of guarantors) {
      overlays[htmlOf(fill(text.layer.areas, { state: stateName(g) }))] = areaLayers[g];
    }
    overlays[escapeHtml(text.layer.disagreements)] = disagreementLayer;
    overlays[escapeHtml(text.layer.one_sided)] = oneSidedLayer;
    overlays[escapeHtml(text.layer.incidents)] = incidentLayer;
    L.control.layers(null, overlays, { collapsed: false, position: "bottomright" }).addTo(map);
  }

  // --- one day ----------------------------------------------------------------------------

  /** Show a day: header, controls and address at once; the data after a short pause. */
  function showDay(day, { now = false } = {}) {
    state.day = clampDay(day);
    const at = momentOf(state.day);
    dom.slider.value = String(dayNumber(state.day) - dayNumber(firstDay));
    dom.date.value = state.day;
    dom.shown.replaceChildren(dayLabel(state.day));
    dom.shown.setAttribute("datetime", at);
    const inForce = Date.parse(at) >= effectiveAt;
    dom.force.textContent = inForce ? text.in_force : text.not_yet;
    dom.force.className = "map-force " + (inForce ? "force-yes" : "force-no");
    const address = new URL(window.location.href);
    address.searchParams.set("date", state.day);
    window.history.replaceState(null, "", address);
    for (const link of document.querySelectorAll("[data-day-link]")) {
      const target = new URL(link.href);
      target.searchParams.set("date", state.day);
      link.href = target.pathname + target.search; // the download and list follow the day
    }
    // Dragging the slider passes many days; only the one it rests on is fetched.
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(loadDay, now ? 0 : 200);
  }

  async function loadDay() {
    if (state.dayRequest) state.dayRequest.abort();
    const request = (state.dayRequest = new AbortController());
    const at = momentOf(state.day);
    el.dataset.areasAt = "";
    loadIncidents(state.day);
    say(text.loading_areas);
    if (state.point) showPoint(state.point);
    try {
      const [areas, disagreements] = await Promise.all([
        // One request per guarantor: each is a layer of its own.
        Promise.all(
          guarantors.map((g) =>
            getAllFeatures(apiUrl("areas", { at, guarantor: g, limit: 1000 }), request.signal),
          ),
        ),
        getJSON(apiUrl("disagreements", { at }), request.signal).catch((error) => {
          if (isAbort(error)) throw error;
          return { items: [], error }; // the areas are still worth showing
        }),
      ]);
      const counts = drawAreas(areas);
      const drawn = drawDisagreements(disagreements.items || []);
      el.dataset.areasAt = at;
      const summary = summaryOf(counts, drawn);
      const problem = disagreements.error
        ? fill(text.failed, { what: text.what_disagreements, why: disagreements.error.message })
        : null;
      say(problem ? joined([summary, problem], " — ") : summary);
    } catch (error) {
      if (isAbort(error)) return;
      el.dataset.areasAt = "failed";
      say(fill(text.failed, { what: text.what_areas, why: error.message }));
    }
  }

  // --- the incidents of one day -------------------------------------------------------------

  /** The day's incidents (whose window meets the day, on the agreement's clock), following
   * the list's pages, as markers that link to each incident's page. */
  async function loadIncidents(day) {
    if (state.incidentRequest) state.incidentRequest.abort();
    const request = (state.incidentRequest = new AbortController());
    el.dataset.incidentsOn = "";
    const next = new Date((dayNumber(day) + 1) * 86400000).toISOString().slice(0, 10);
    const query = {
      since: day + "T00:00:00" + offsetAtNoon(day),
      until: next + "T00:00:00" + offsetAtNoon(next),
      limit: 1000,
    };
    const incidentCount = document.querySelector('[data-testid="incident-count"]');
    const listLink = document.querySelector('[data-testid="list-incidents"]');
    if (listLink) listLink.href = "/incidents?" + new URLSearchParams({ since: day, until: day });
    try {
      const items = [];
      for (let url = apiUrl("incidents", query); url; ) {
        const page = await getJSON(url, request.signal);
        items.push(...(page.items || []));
        url = page.next;
      }
      incidentLayer.clearLayers();
      // A window of a day or less shows on the day it starts (a day's window, kept in UTC,
      // would otherwise spill into the next day here); a longer one (an account known only
      // to the week or the month) on each day it covers.
      const dayStart = Date.parse(query.since);
      const onThisDay = (item) => Date.parse(item.start) >= dayStart
        || Date.parse(item.end) - Date.parse(item.start) > 86400000;
      const markers = items
        .filter((item) => item.lat !== null && item.lon !== null && !item.merged_into_id)
        .filter(onThisDay)
        .map(incidentMarker);
      if (incidentLayer.addLayers) incidentLayer.addLayers(markers);
      else markers.forEach((marker) => incidentLayer.addLayer(marker));
      el.dataset.incidentsOn = day;
      el.dataset.incidents = String(markers.length);
      if (incidentCount) incidentCount.replaceChildren(plural(text.incident_count, markers.length));
    } catch (error) {
      if (isAbort(error)) return;
      el.dataset.incidentsOn = "failed";
      if (incidentCount) {
        incidentCount.replaceChildren(fill(text.failed, { what: text.what_incidents,
          why: error.message }));
      }
    }
  }

  function incidentMarker(item) {
    const verdict = item.verdict || "unchecked";
    const marker = L.marker([item.lat, item.lon], {
      keyboard: true,
      title: "#" + item.id + " " + item.event_type,
      icon: L.divIcon({
        className: "incident-marker incident-" + verdict,
        iconSize: [14, 14],
      }),
    });
    marker.incidentId = item.id;
    marker.bindPopup(() => incidentCard(item), { minWidth: 220, maxWidth: 320 });
    return marker;
  }

  function incidentCard(item) {
    const card = node("div", "incident-card");
    card.dir = direction;
    card.dataset.incident = String(item.id);
    const head = node("p", null, fill(text.incident_title, { id: item.id }));
    head.className = "incident-title";
    card.append(head);
    const kind = node("p", null, item.event_type + ": " + item.sub_event_type);
    kind.dir = "auto";
    card.append(kind);
    const place = [item.location, item.admin2, item.admin1].filter(Boolean);
    if (place.length) {
      const where = node("p", "muted", Array.from(new Set(place)).join(", "));
      where.dir = "auto";
      card.append(where);
    }
    const facts = [plural(text.report_count, item.report_count)];
    const killed = figureText(item.killed || {});
    if (killed) facts.push(fill(text.killed, { num: killed }));
    if (item.verdict) facts.push(verdictWord(item.verdict));
    card.append(node("p", "muted", joined(facts, " · ")));
    const link = node("a", null, text.open_incident);
    link.href = "/incidents/" + item.id;
    link.dataset.testid = "incident-popup-link";
    card.append(node("p", null, link));
    return card;
  }

  function figureText(figure) {
    const given = [figure.low, figure.best, figure.high].filter((v) => v !== null && v !== undefined);
    if (!given.length) return "";
    const low = Math.min(...given);
    const high = Math.max(...given);
    return low === high ? numberFormat.format(low)
      : numberFormat.format(low) + "–" + numberFormat.format(high);
  }

  function apiUrl(path, query) {
    return "/api/v1/" + path + "?" + new URLSearchParams(query).toString();
  }

  /** "United States: 20 areas, 12 only on its map · Russian Federation: … · 2 places where
   * the maps conflict": what each guarantor delineates, then where they disagree. */
  function summaryOf(counts, drawn) {
    const sides = guarantors.map((g) =>
      plural(text.summary_side, counts[g], {
        state: stateName(g),
        alone: numberFormat.format(drawn.oneSided[g] || 0),
      }),
    );
    const conflicts = drawn.conflicts
      ? plural(text.summary_conflicts, drawn.conflicts)
      : text.summary_no_conflict;
    return joined(sides.concat([conflicts]), " · ");
  }

  /** Replace each guarantor's areas; returns how many were drawn for each. */
  function drawAreas(collections) {
    const count = {};
    guarantors.forEach((g, index) => {
      // Keep only this guarantor's areas, in case the filter was not applied by the server.
      const features = (collections[index].features || []).filter(
        (f) => f.geometry && (!f.properties.guarantor || f.properties.guarantor === g),
      );
      areaLayers[g].clearLayers();
      areaLayers[g].addData({ type: "FeatureCollection", features });
      count[g] = features.length;
    });
    return count;
  }

  /** Split the disagreements between their two layers; returns how many conflicts there are
   * and, for each guarantor, how many of its areas the other does not delineate. */
  function drawDisagreements(items) {
    const features = { conflicts: [], oneSided: [] };
    for (const item of items) {
      const geometry = polygonal(item.geometry);
      if (!geometry) continue;
      const feature = { type: "Feature", geometry, properties: item };
      (item.kind === "one_side_only" ? features.oneSided : features.conflicts).push(feature);
    }
    disagreementLayer.clearLayers();
    disagreementLayer.addData({ type: "FeatureCollection", features: features.conflicts });
    oneSidedLayer.clearLayers();
    oneSidedLayer.addData({ type: "FeatureCollection", features: features.oneSided });
    const oneSided = {};
    for (const feature of features.oneSided) {
      const side = (feature.properties.guarantors || [])[0];
      oneSided[side] = (oneSided[side] || 0) + 1;
    }
    return { conflicts: features.conflicts.length, oneSided };
  }

  function wireDateControls() {
    dom.slider.addEventListener("input", () => showDay(dayFromOffset(Number(dom.slider.value))));
    dom.date.addEventListener("change", () => {
      if (dom.date.value) showDay(dom.date.value, { now: true });
    });
    // With the script running the form need not reload the page.
    dom.form.addEventListener("submit", (event) => {
      event.preventDefault();
      showDay(dom.date.value || state.day, { now: true });
    });
    dom.form.classList.add("live");
  }

  // --- one point --------------------------------------------------------------------------

  function wirePointForm() {
    dom.point.hidden = false;
    dom.point.addEventListener("submit", (event) => {
      event.preventDefault();
      const lat = Number(dom.point.elements.lat.value);
      const lon = Number(dom.point.elements.lon.value);
      if (Number.isFinite(lat) && Number.isFinite(lon)) {
        showPoint(L.latLng(lat, lon));
      }
    });
  }

  /** Ask the API what applies at this point on the shown day, and show it in a popup. */
  async function showPoint(latlng) {
    state.point = latlng;
    if (state.pointRequest) state.pointRequest.abort();
    const request = (state.pointRequest = new AbortController());
    const at = momentOf(state.day);
    if (!popup.isOpen()) {
      popup.setLatLng(latlng).setContent(node("p", "muted", text.loading)).openOn(map);
    } else {
      popup.setLatLng(latlng);
    }
    const where = { lat: latlng.lat.toFixed(5), lon: latlng.lng.toFixed(5), at };
    const url = apiUrl("applicability", where);
    try {
      const answer = await getJSON(url, request.signal);
      if (state.point === latlng) {
        popup.setContent(verdictCard(answer, at)); // re-lays the popup out for its new size
      }
    } catch (error) {
      if (isAbort(error)) return;
      const message = fill(text.failed, { what: text.what_point, why: error.message });
      popup.setContent(node("p", "map-error", message));
    }
  }

  function verdictCard(answer, at) {
    const card = node("div", "verdict-card");
    card.dir = direction;
    card.dataset.at = at;
    card.dataset.lat = String(answer.lat);
    card.dataset.lon = String(answer.lon);
    const verdict = node("p", "verdict verdict-" + answer.verdict, verdictWord(answer.verdict));
    verdict.dataset.testid = "verdict";
    verdict.dataset.verdict = answer.verdict;
    card.append(verdict, node("p", "verdict-explain", text.explain[answer.verdict] || ""));
    // Before the cessation (or after it ended) each side's verdict and the distance to
    // protection say nothing more than the verdict itself.
    if (answer.in_force !== false) card.append(byGuarantor(answer.by_guarantor || {}));
    if (answer.in_force !== false || (answer.parties || []).length) {
      card.append(partyList(answer.parties || []));
    }
    if (answer.in_force !== false) card.append(node("p", "nearest", nearestText(answer)));
    const place = ltr(answer.lat.toFixed(4) + ", " + answer.lon.toFixed(4));
    card.append(node("p", "muted where", joined([place, dayLabel(state.day)], " · ")));
    return card;
  }

  function byGuarantor(verdicts) {
    const row = node("p", "by-guarantor");
    row.dataset.testid = "by-guarantor";
    row.append(node("span", "caption muted", text.by_guarantor));
    for (const g of Object.keys(verdicts)) {
      const words = joined([isolated(g), verdictWord(verdicts[g])], " ");
      const chip = node("span", "chip verdict-" + verdicts[g], words);
      chip.title = stateName(g);
      row.append(chip, " ");
    }
    return row;
  }

  function partyList(parties) {
    const box = node("div", "verdict-parties");
    box.dataset.testid = "parties";
    if (!parties.length) {
      box.append(node("p", "muted", text.no_parties));
      return box;
    }
    box.append(node("p", "legend-caption", text.parties));
    const list = node("ul");
    for (const party of parties) {
      const item = node("li");
      const name = node("span", "party-name", party.name);
      name.dir = "auto";
      item.append(name, " ", statusBadge(party.status));
      for (const area of party.areas || []) {
        const details = areaDetails(area.label, area.guarantor, area.review);
        const line = node("span", "area-line review-" + area.review, details);
        line.dir = "auto";
        item.append(line);
      }
      list.append(item);
    }
    box.append(list);
    return box;
  }

  function nearestText(answer) {
    const km = answer.nearest_protected_km;
    if (km === null || km === undefined) return text.no_protected;
    if (km === 0) return text.inside;
    const digits = km < 10 ? 1 : 0;
    const number = new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(km);
    return fill(text.nearest, { km: number });
  }
})();
