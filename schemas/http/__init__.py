"""The services' HTTP answers as typed models: used as FastAPI `response_model` and to parse answers in the dashboard.

One module per service (scoring, awards, notify, evidence) and `common` for what every service answers. The models
describe the JSON exactly as it is sent (field names and nesting); a model that drops or renames a field is a
contract change and the API golden test says so."""
