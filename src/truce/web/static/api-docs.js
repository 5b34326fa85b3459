/* The API page: Swagger UI over our OpenAPI document, served by Truce itself.
 *
 * swagger-ui-bundle.js is vendored from npm by `make vendor`; this file starts it, because the
 * Content-Security-Policy allows no inline script. Nothing is fetched from elsewhere: the
 * online validator badge, which would send the document to a third party, is off.
 */
(function () {
  "use strict";

  const el = document.getElementById("api-docs");
  if (!el) return;
  if (!window.SwaggerUIBundle) {
    // The vendored library is missing (`make vendor` not run): say so rather than show nothing.
    const status = document.querySelector('[data-testid="api-docs-status"]');
    status.textContent = "Swagger UI did not load (/static/vendor/swagger-ui/). Run `make vendor`.";
    status.hidden = false;
    return;
  }
  window.SwaggerUIBundle({
    url: el.dataset.openapiUrl,
    domNode: el,
    validatorUrl: null,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
  });
})();
