// Autoheal's Swagger UI page: the OpenAPI document needs a token, so ask for one first and send
// it (as a bearer token) with the document request and every request made from the page.
(function () {
  var KEY = "autoheal-api-token";
  var form = document.getElementById("autoheal-token");
  var input = document.getElementById("autoheal-token-input");
  var message = document.getElementById("autoheal-token-message");

  function load(token) {
    window.ui = SwaggerUIBundle({
      url: "/api/v1/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "BaseLayout",
      requestInterceptor: function (request) {
        request.headers["Authorization"] = "Bearer " + token;
        return request;
      },
      onComplete: function () { message.textContent = "loaded"; }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = input.value.trim();
    if (!token) { message.textContent = "enter a token"; return; }
    sessionStorage.setItem(KEY, token);
    input.value = "";
    load(token);
  });

  var saved = sessionStorage.getItem(KEY);
  if (saved) { load(saved); }
})();
