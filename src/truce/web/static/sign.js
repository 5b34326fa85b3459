// Keys held in the browser (docs/ledger.md, "Keys held by their owners"). The user's Ed25519
// key is made here by WebCrypto, non-extractable, and kept in IndexedDB: the server only ever
// sees its public half. Every form this page posts carries an intent signed with it, which the
// ledger entry keeps, so that nobody running the server can write in this user's name.
(() => {
  "use strict";
  const meta = document.querySelector('meta[name="truce-user"]');
  if (!meta || !window.crypto || !crypto.subtle) return;
  const user = meta.content;
  const DB = "truce-keys";
  const STORE = "keys";
  // Forms that change no record: signing in and out, language, password, enrolment itself.
  const UNSIGNED = new Set(["/login", "/logout", "/lang", "/account/password", "/account/key"]);
  // Fields never part of the intent: the intent itself, and the session's CSRF token (the
  // ledger is read by others; the token is this session's secret).
  const LEFT_OUT = new Set(["truce_intent", "truce_intent_sig", "csrf"]);

  function database() {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open(DB, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
    });
  }

  async function stored(name) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const reading = db.transaction(STORE).objectStore(STORE).get(name);
      reading.onsuccess = () => resolve(reading.result || null);
      reading.onerror = () => reject(reading.error);
    });
  }

  async function store(name, record) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const writing = db.transaction(STORE, "readwrite");
      writing.objectStore(STORE).put(record, name);
      writing.oncomplete = () => resolve();
      writing.onerror = () => reject(writing.error);
    });
  }

  // The canonical JSON of ledger/canonical.py (RFC 8785 for strings, integers, objects, arrays).
  function canonical(value) {
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    if (value !== null && typeof value === "object") {
      return "{" + Object.keys(value).sort()
        .map((name) => JSON.stringify(name) + ":" + canonical(value[name])).join(",") + "}";
    }
    return JSON.stringify(value);
  }

  function base64(bytes) {
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text);
  }

  function base64url(bytes) {
    return base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  async function keyId(raw) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
    return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // As ledger/intents.py: form_payload and operation.
  function formPayload(data) {
    const fields = {};
    for (const [name, value] of data.entries()) {
      if (LEFT_OUT.has(name) || typeof value !== "string") continue;
      (fields[name] = fields[name] || []).push(value.replace(/\r\n?/g, "\n"));
    }
    const form = {};
    for (const [name, values] of Object.entries(fields)) {
      form[name] = values.length === 1 ? values[0] : values;
    }
    return { form };
  }

  function hidden(form, name, value) {
    let input = form.querySelector(`input[type="hidden"][name="${name}"]`);
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.append(input);
    }
    input.value = value;
  }

  function complain(form, text) {
    const note = document.createElement("p");
    note.className = "flash flash-error";
    note.setAttribute("role", "alert");
    note.dataset.testid = "key-error";
    note.textContent = text;
    form.before(note);
  }

  async function enrol(form) {
    // The private key cannot be exported, by this page or anyone; the public one is sent.
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    await store(user, { privateKey: pair.privateKey, publicKey: pair.publicKey,
                        keyId: await keyId(raw) });
    hidden(form, "public_key", base64(raw));
  }

  async function sign(form, path, submitter) {
    const key = await stored(user);
    if (!key) throw new Error(meta.dataset.noKey);
    const nonce = base64url(crypto.getRandomValues(new Uint8Array(24)));
    const intent = {
      action: "POST " + path.replace(/\/\d+(?=\/|$)/g, "/{id}"),
      subject: path,
      payload: formPayload(new FormData(form, submitter || null)),
      actor: user,
      key_id: key.keyId,
      client_time: new Date().toISOString(),
      nonce,
    };
    const bytes = new TextEncoder().encode(canonical(intent));
    const signature = await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, bytes);
    hidden(form, "truce_intent", base64url(bytes));
    hidden(form, "truce_intent_sig", base64(new Uint8Array(signature)));
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    if (form.dataset.signed === "yes") return; // signed a moment ago: let it go
    const path = new URL(form.action, location.href).pathname;
    const enrolling = form.hasAttribute("data-enrol");
    if (!enrolling && (UNSIGNED.has(path) || meta.dataset.holder !== "yes")) return;
    // Nothing else sees the unsigned submission (it runs first, in the capture phase); the
    // signed one follows as a submission of its own.
    event.preventDefault();
    event.stopPropagation();
    const submitter = event.submitter;
    (enrolling ? enrol(form) : sign(form, path, submitter)).then(() => {
      form.dataset.signed = "yes";
      if (submitter && submitter.form === form) form.requestSubmit(submitter);
      else form.requestSubmit();
    }, (error) => complain(form, error.message || String(error)));
  }, true);
})();
