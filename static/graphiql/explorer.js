// The storefront GraphQL explorer: GraphiQL on this server's /graphql, for storefront
// developers trying queries. It is a file of its own, not an inline script, so that the
// page runs under the application's Content-Security-Policy (script-src 'self').
(function () {
  "use strict";
  var defaultQuery = [
    "# The storefront API, in Magento's schema (GET or POST).",
    "# Headers: Store (a store view's code),",
    "# Authorization (Bearer <customer token>),",
    "# aep-segments-membership (Real-Time CDP audience ids).",
    "query Products {",
    "  products(search: \"tee\", pageSize: 5) {",
    "    total_count",
    "    items { sku name }",
    "  }",
    "}",
    ""
  ].join("\n");
  var headers = JSON.stringify({ Store: "default", "aep-segments-membership": "" }, null, 2);
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: "/graphql" }),
    defaultQuery: defaultQuery,
    defaultHeaders: headers,
    defaultEditorToolsVisibility: "headers"
  }));
})();
