"""The request-bound layer: app-context accessors, access control, limits, logging, metrics, headers, OpenAPI, health.

Routes and this package are the only code that reads Flask's request globals; the domain modules in `service/` below
it take plain values, and `service/classifier/` at the bottom knows neither Flask nor the database."""
