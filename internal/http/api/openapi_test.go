package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"destek/internal/desk"
)

// oaDoc is the part of the OpenAPI document the tests read.
type oaDoc struct {
	OpenAPI    string                     `json:"openapi"`
	Paths      map[string]map[string]oaOp `json:"paths"`
	Components struct {
		Schemas    map[string]json.RawMessage `json:"schemas"`
		Responses  map[string]json.RawMessage `json:"responses"`
		Parameters map[string]json.RawMessage `json:"parameters"`
	} `json:"components"`
}

type oaOp struct {
	OperationID string         `json:"operationId"`
	MinRole     *string        `json:"x-min-role"`
	Security    *[]any         `json:"security"`
	RequestBody *oaRequestBody `json:"requestBody"`
	Responses   map[string]any `json:"responses"`
}

type oaRequestBody struct {
	Content map[string]struct {
		Schema struct {
			Ref string `json:"$ref"`
		} `json:"schema"`
	} `json:"content"`
}

type oaSchema struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
}

func loadOpenAPI(t *testing.T, e *env) oaDoc {
	t.Helper()
	r := e.anon().do("GET", "/api/v1/openapi.json", nil).want(http.StatusOK)
	var doc oaDoc
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("the OpenAPI document is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPICoversExactlyTheRoutes holds the document to the route table:
// every route is documented, every documented operation is a route, and the
// documented least role (x-min-role) is the enforced one.
func TestOpenAPICoversExactlyTheRoutes(t *testing.T) {
	e := newEnv(t)
	doc := loadOpenAPI(t, e)

	registered := map[string]route{}
	for _, rt := range e.api.routes {
		registered[rt.Method+" "+rt.Path] = rt
	}
	documented := map[string]oaOp{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			documented[strings.ToUpper(m)+" "+p] = op
		}
	}
	for k, rt := range registered {
		op, ok := documented[k]
		if !ok {
			t.Errorf("route %s is not in the OpenAPI document", k)
			continue
		}
		if op.MinRole == nil {
			t.Errorf("%s: no x-min-role", k)
		} else if *op.MinRole != string(rt.Role) {
			t.Errorf("%s: x-min-role %q, the route needs %q", k, *op.MinRole, rt.Role)
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != (rt.Role == "") {
			t.Errorf("%s: documented as public=%v, route role %q", k, public, rt.Role)
		}
		if op.OperationID == "" || len(op.Responses) == 0 {
			t.Errorf("%s: no operationId or responses", k)
		}
	}
	for k := range documented {
		if _, ok := registered[k]; !ok {
			t.Errorf("the OpenAPI document has %s, which is not a route", k)
		}
	}
	// And the mux really serves each registered route.
	for k := range registered {
		m, p, _ := strings.Cut(k, " ")
		req, _ := http.NewRequest(m, "http://x"+strings.NewReplacer("{id}", "1", "{contact_id}", "1").Replace(p), nil)
		if _, pattern := e.api.mux.Handler(req); pattern != k {
			t.Errorf("the mux routes %s to %q", k, pattern)
		}
	}
}

// TestOpenAPIRequestSchemasMatchTheCode checks that each documented request
// body has exactly the fields the handler decodes, so strict decoding and
// the document cannot drift apart.
func TestOpenAPIRequestSchemasMatchTheCode(t *testing.T) {
	e := newEnv(t)
	doc := loadOpenAPI(t, e)
	bodies := map[string]any{
		"POST /api/v1/auth/login":                        loginRequest{},
		"POST /api/v1/auth/password":                     changePasswordRequest{},
		"POST /api/v1/tokens":                            createTokenRequest{},
		"POST /api/v1/tickets":                           createTicketRequest{},
		"PATCH /api/v1/tickets/{id}":                     updateTicketRequest{},
		"POST /api/v1/tickets/{id}/assign":               assignRequest{},
		"POST /api/v1/tickets/{id}/status":               statusRequest{},
		"POST /api/v1/tickets/{id}/links":                linkRequest{},
		"POST /api/v1/tickets/{id}/messages":             addMessageRequest{},
		"POST /api/v1/tickets/{id}/notes":                addNoteRequest{},
		"POST /api/v1/accounts":                          createAccountRequest{},
		"PATCH /api/v1/accounts/{id}":                    updateAccountRequest{},
		"POST /api/v1/accounts/{id}/authorised-contacts": authorisedContactRequest{},
		"POST /api/v1/contacts":                          createContactRequest{},
		"PATCH /api/v1/contacts/{id}":                    updateContactRequest{},
		"POST /api/v1/agents":                            createAgentRequest{},
		"PATCH /api/v1/agents/{id}":                      updateAgentRequest{},
		"POST /api/v1/agents/{id}/password":              setPasswordRequest{},
		"POST /api/v1/queues":                            createQueueRequest{},
		"POST /api/v1/policy/versions":                   publishPolicyRequest{},
		"POST /api/v1/classify":                          classifyRequest{},
		"POST /api/v1/channels/webhook/{source}":         webhookMessage{},
		"POST /api/v1/webhook-sources":                   createWebhookSourceRequest{},
	}
	for _, rt := range e.api.routes {
		key := rt.Method + " " + rt.Path
		op := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		goType, hasBody := bodies[key]
		if (op.RequestBody != nil) != hasBody {
			t.Errorf("%s: documented body %v, decoded body %v", key, op.RequestBody != nil, hasBody)
			continue
		}
		if !hasBody {
			continue
		}
		ref := op.RequestBody.Content["application/json"].Schema.Ref
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		var s oaSchema
		if err := json.Unmarshal(doc.Components.Schemas[name], &s); err != nil || ref == "" {
			t.Errorf("%s: request schema %q: %v", key, ref, err)
			continue
		}
		var documented []string
		for p := range s.Properties {
			documented = append(documented, p)
		}
		sort.Strings(documented)
		if fields := jsonFields(reflect.TypeOf(goType)); !slices.Equal(documented, fields) {
			t.Errorf("%s: schema %s has %v, the handler decodes %v", key, name, documented, fields)
		}
		for _, r := range s.Required {
			if _, ok := s.Properties[r]; !ok {
				t.Errorf("%s: required %q is not a property", key, r)
			}
		}
	}
}

// TestOpenAPIResponseSchemasMatchTheModel checks the documented entities
// against the JSON the domain types encode to.
func TestOpenAPIResponseSchemasMatchTheModel(t *testing.T) {
	e := newEnv(t)
	doc := loadOpenAPI(t, e)
	for name, v := range map[string]any{
		"Account": desk.Account{}, "AuthorisedContact": desk.AuthorisedContact{}, "Contact": desk.Contact{},
		"Agent": desk.Agent{}, "APIToken": desk.APIToken{}, "Queue": desk.Queue{}, "Ticket": desk.Ticket{},
		"TicketLink": desk.TicketLink{}, "Message": desk.Message{}, "Attachment": desk.Attachment{},
		"AuditEvent": desk.AuditEvent{}, "Actor": desk.Actor{}, "SearchHit": desk.SearchHit{},
		"Me": meResponse{}, "CreatedToken": createTokenResponse{}, "MessageResult": messageResponse{},
		"PolicyVersion": desk.PolicyVersion{}, "Classification": desk.Classification{}, "ScopeVerdict": desk.ScopeVerdict{},
		"Violation": desk.Violation{}, "ScopeCorrection": desk.ScopeCorrection{},
		"ChannelsStatus": channelsStatusResponse{}, "ChannelStatus": channelStatus{},
		"WebhookResult": webhookResponse{}, "WebhookSource": desk.WebhookSource{}, "CreatedWebhookSource": createWebhookSourceResponse{},
		"WebhookMessage": webhookMessage{}, "CreateWebhookSourceRequest": createWebhookSourceRequest{},
	} {
		var s oaSchema
		if err := json.Unmarshal(doc.Components.Schemas[name], &s); err != nil {
			t.Errorf("schema %s: %v", name, err)
			continue
		}
		var documented []string
		for p := range s.Properties {
			documented = append(documented, p)
		}
		sort.Strings(documented)
		if fields := jsonFields(reflect.TypeOf(v)); !slices.Equal(documented, fields) {
			t.Errorf("schema %s has %v, the type encodes %v", name, documented, fields)
		}
	}
}

// TestOpenAPIReferencesResolve finds every $ref in the document and checks
// that it points at a component.
func TestOpenAPIReferencesResolve(t *testing.T) {
	e := newEnv(t)
	r := e.anon().do("GET", "/api/v1/openapi.json", nil).want(http.StatusOK)
	var raw any
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	doc := loadOpenAPI(t, e)
	sections := map[string]map[string]json.RawMessage{
		"schemas": doc.Components.Schemas, "responses": doc.Components.Responses, "parameters": doc.Components.Parameters,
	}
	var walk func(v any)
	n := 0
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "$ref" {
					n++
					parts := strings.Split(strings.TrimPrefix(s, "#/components/"), "/")
					if len(parts) != 2 || sections[parts[0]][parts[1]] == nil {
						t.Errorf("$ref %q does not resolve", s)
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(raw)
	if n < 50 {
		t.Fatalf("only %d references found; the walk is broken", n)
	}
}

// jsonFields lists the JSON names of a struct's fields, sorted.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
