/* The report form: a map picker (a click sets the latitude and longitude) and a place search
 * over the offline gazetteer (GET /api/v1/places, names in any script). The form works without
 * this script: the fields are plain inputs. Everything shown is built with DOM calls (never
 * innerHTML from the API); no inline script or style (the Content-Security-Policy).
 */
(function () {
  "use strict";

  const form = document.querySelector('[data-testid="report-form"]');
  if (!form) return;
  const text = JSON.parse(document.getElementById("form-text").textContent);
  const lat = document.getElementById("r-lat");
  const lon = document.getElementById("r-lon");
  const location = document.getElementById("r-location");
  const admin1 = document.getElementById("r-admin1");
  const precision = document.getElementById("r-geo-precision");
  const SYRIA = [[32.3, 35.7], [37.35, 42.4]];

  wireSubTypes();
  const picker = makePicker();
  wireSearch();

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
  }

  /** Only the sub-types of the chosen event type are offered. */
  function wireSubTypes() {
    const kind = document.getElementById("r-event-type");
    const sub = document.getElementById("r-sub-event-type");
    const show = () => {
      for (const group of sub.querySelectorAll("optgroup")) {
        const mine = !kind.value || group.dataset.kind === kind.value;
        group.hidden = !mine;
        group.disabled = !mine;
      }
      const chosen = sub.selectedOptions[0];
      if (chosen && chosen.dataset.kind && kind.value && chosen.dataset.kind !== kind.value) {
        sub.value = "";
      }
    };
    kind.addEventListener("change", show);
    show();
  }

  function makePicker() {
    const el = document.getElementById("picker");
    if (!el || !window.L) return null;
    el.hidden = false;
    document.querySelector(".picker-help").hidden = false;
    const map = L.map(el, { minZoom: 5, maxZoom: 14, zoomSnap: 0.25 });
    map.fitBounds(SYRIA);
    window.trucePicker = map; // for the browser tests
    let marker = null;
    fetch("/static/basemap/syr_admin1.geojson")
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((governorates) => {
        L.geoJSON(governorates, {
          interactive: false,
          attribution: "UN OCHA COD-AB",
          style: { color: "#7b858e", weight: 1, fillColor: "#f4f5f6", fillOpacity: 1 },
        }).addTo(map);
        el.dataset.basemap = "ready";
      })
      .catch(() => {
        el.dataset.basemap = "failed";
      });
    const place = (latlng, how) => {
      if (!marker) marker = L.marker(latlng, { keyboard: false }).addTo(map);
      else marker.setLatLng(latlng);
      lat.value = latlng.lat.toFixed(5);
      lon.value = latlng.lng.toFixed(5);
      if (how) precision.value = how;
      el.dataset.picked = lat.value + "," + lon.value;
    };
    map.on("click", (event) => place(event.latlng, "exact"));
    const typed = () => {
      const y = Number(lat.value);
      const x = Number(lon.value);
      if (lat.value && lon.value && Number.isFinite(y) && Number.isFinite(x)) {
        place(L.latLng(y, x), null);
      }
    };
    lat.addEventListener("change", typed);
    lon.addEventListener("change", typed);
    typed(); // a form shown again after a refusal keeps its point
    return { map, place };
  }

  function wireSearch() {
    const box = document.querySelector('[data-testid="place-search"]');
    const query = document.getElementById("r-place-query");
    const button = box.querySelector('[data-testid="place-find"]');
    const results = box.querySelector('[data-testid="place-results"]');
    box.hidden = false;
    let request = null;

    const say = (message) => {
      const item = document.createElement("li");
      item.className = "muted";
      item.textContent = message;
      results.replaceChildren(item);
    };

    async function search() {
      const q = query.value.trim();
      if (q.length < 2) {
        say(text.short);
        return;
      }
      if (request) request.abort();
      request = new AbortController();
      say(text.searching);
      try {
        const url = "/api/v1/places?" + new URLSearchParams({ q, limit: 8 }).toString();
        const response = await fetch(url, {
          signal: request.signal, headers: { accept: "application/json" },
        });
        if (!response.ok) throw new Error("HTTP " + response.status);
        show((await response.json()).items || []);
      } catch (error) {
        if (error && error.name === "AbortError") return;
        say(fill(text.failed, { why: error.message }));
      }
    }

    function show(places) {
      if (!places.length) {
        say(text.none);
        return;
      }
      results.replaceChildren(...places.map(choice));
    }

    function choice(placeFound) {
      const item = document.createElement("li");
      const pick = document.createElement("button");
      pick.type = "button";
      pick.className = "link";
      pick.dataset.testid = "place-choice";
      const name = document.createElement("bdi");
      name.textContent = placeFound.name;
      const where = [placeFound.admin2, placeFound.admin1, placeFound.country]
        .filter(Boolean)
        .join(", ");
      pick.append(name, where ? " — " + where : "");
      pick.addEventListener("click", () => {
        location.value = placeFound.name;
        if (placeFound.admin1) admin1.value = placeFound.admin1;
        const how = placeFound.kind === "city" ? "near" : placeFound.kind === "admin2"
          ? "district" : placeFound.kind === "admin1" ? "province" : "near";
        if (picker) {
          const latlng = L.latLng(placeFound.lat, placeFound.lon);
          picker.place(latlng, how);
          picker.map.setView(latlng, Math.max(picker.map.getZoom(), 9));
        } else {
          lat.value = placeFound.lat.toFixed(5);
          lon.value = placeFound.lon.toFixed(5);
          precision.value = how;
        }
        say(fill(text.picked, { lat: lat.value, lon: lon.value }));
      });
      item.append(pick);
      return item;
    }

    button.addEventListener("click", search);
    query.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault(); // not the report's own submit
        search();
      }
    });
  }
})();
