package api

import (
	"context"
	"net/http"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

// route is one endpoint. The table below is the single list of endpoints:
// the mux registers it, the guard enforces its roles, and the tests hold the
// OpenAPI document and the authorisation matrix to it.
type route struct {
	Method string
	Path   string
	// Role is the least role that may call the route; "" lets anyone in
	// (the handler may still look at who is calling).
	Role desk.AgentRole
	// bare routes (health, metrics, the OpenAPI document) skip sessions
	// and credentials altogether.
	bare   bool
	handle func(http.ResponseWriter, *http.Request) error
}

const (
	anyone     desk.AgentRole = ""
	agent                     = desk.RoleAgent
	supervisor                = desk.RoleSupervisor
	admin                     = desk.RoleAdmin
)

func (s *server) routeTable() []route {
	return []route{
		{Method: "GET", Path: "/healthz", bare: true, handle: s.healthz},
		{Method: "GET", Path: "/readyz", bare: true, handle: s.readyz},
		{Method: "GET", Path: "/metrics", bare: true, handle: s.metricsHandler()},
		{Method: "GET", Path: "/api/v1/openapi.json", bare: true, handle: s.openAPI},

		{Method: "POST", Path: "/api/v1/auth/login", Role: anyone, handle: s.loginHandler},
		{Method: "POST", Path: "/api/v1/auth/logout", Role: anyone, handle: s.logout},
		{Method: "GET", Path: "/api/v1/auth/me", Role: agent, handle: s.me},
		{Method: "POST", Path: "/api/v1/auth/password", Role: agent, handle: s.changeOwnPassword},

		{Method: "POST", Path: "/api/v1/tokens", Role: admin, handle: s.createToken},
		{Method: "GET", Path: "/api/v1/tokens", Role: admin, handle: s.listTokens},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", Role: admin, handle: s.revokeToken},

		{Method: "POST", Path: "/api/v1/tickets", Role: agent, handle: s.createTicket},
		{Method: "GET", Path: "/api/v1/tickets", Role: agent, handle: s.listTickets},
		{Method: "GET", Path: "/api/v1/tickets/{id}", Role: agent, handle: getByID(s.store.Ticket)},
		{Method: "PATCH", Path: "/api/v1/tickets/{id}", Role: agent, handle: s.updateTicket},
		{Method: "POST", Path: "/api/v1/tickets/{id}/assign", Role: agent, handle: s.assignTicket},
		{Method: "POST", Path: "/api/v1/tickets/{id}/status", Role: agent, handle: s.setTicketStatus},
		{Method: "POST", Path: "/api/v1/tickets/{id}/links", Role: agent, handle: s.linkTickets},
		{Method: "GET", Path: "/api/v1/tickets/{id}/messages", Role: agent, handle: s.listMessages},
		{Method: "POST", Path: "/api/v1/tickets/{id}/messages", Role: agent, handle: s.addMessage},
		{Method: "POST", Path: "/api/v1/tickets/{id}/notes", Role: agent, handle: s.addNote},
		{Method: "POST", Path: "/api/v1/tickets/{id}/professional-services", Role: agent, handle: s.openProfessionalService},
		{Method: "GET", Path: "/api/v1/attachments/{id}", Role: agent, handle: s.getAttachment},

		{Method: "POST", Path: "/api/v1/accounts", Role: agent, handle: s.createAccount},
		{Method: "GET", Path: "/api/v1/accounts", Role: agent, handle: s.listAccounts},
		{Method: "GET", Path: "/api/v1/accounts/{id}", Role: agent, handle: getByID(s.store.Account)},
		{Method: "PATCH", Path: "/api/v1/accounts/{id}", Role: agent, handle: s.updateAccount},
		{Method: "GET", Path: "/api/v1/accounts/{id}/authorised-contacts", Role: agent, handle: s.listAuthorisedContacts},
		{Method: "POST", Path: "/api/v1/accounts/{id}/authorised-contacts", Role: supervisor, handle: s.addAuthorisedContact},
		{Method: "DELETE", Path: "/api/v1/accounts/{id}/authorised-contacts/{contact_id}", Role: supervisor, handle: s.removeAuthorisedContact},

		{Method: "POST", Path: "/api/v1/contacts", Role: agent, handle: s.createContact},
		{Method: "GET", Path: "/api/v1/contacts", Role: agent, handle: s.listContacts},
		{Method: "GET", Path: "/api/v1/contacts/{id}", Role: agent, handle: getByID(s.store.Contact)},
		{Method: "PATCH", Path: "/api/v1/contacts/{id}", Role: agent, handle: s.updateContact},

		{Method: "GET", Path: "/api/v1/agents", Role: agent, handle: s.listAgents},
		{Method: "GET", Path: "/api/v1/agents/{id}", Role: agent, handle: getByID(s.store.Agent)},
		{Method: "POST", Path: "/api/v1/agents", Role: admin, handle: s.createAgent},
		{Method: "PATCH", Path: "/api/v1/agents/{id}", Role: admin, handle: s.updateAgent},
		{Method: "POST", Path: "/api/v1/agents/{id}/password", Role: admin, handle: s.resetAgentPassword},

		{Method: "GET", Path: "/api/v1/queues", Role: agent, handle: s.listQueues},
		{Method: "POST", Path: "/api/v1/queues", Role: admin, handle: s.createQueue},

		{Method: "GET", Path: "/api/v1/search", Role: agent, handle: s.search},
		{Method: "GET", Path: "/api/v1/audit", Role: supervisor, handle: s.listAudit},

		{Method: "GET", Path: "/api/v1/channels/status", Role: anyone, handle: s.channelsStatus},
		{Method: "POST", Path: "/api/v1/channels/webhook/{source}", Role: anyone, handle: s.webhookIntake},
		{Method: "POST", Path: "/api/v1/webhook-sources", Role: admin, handle: s.createWebhookSource},
		{Method: "GET", Path: "/api/v1/webhook-sources", Role: admin, handle: s.listWebhookSources},
		{Method: "DELETE", Path: "/api/v1/webhook-sources/{name}", Role: admin, handle: s.deleteWebhookSource},

		{Method: "GET", Path: "/api/v1/policy", Role: agent, handle: s.policyInForce},
		{Method: "GET", Path: "/api/v1/policy/versions", Role: agent, handle: s.listPolicyVersions},
		{Method: "GET", Path: "/api/v1/policy/versions/{version}", Role: agent, handle: s.getPolicyVersion},
		{Method: "POST", Path: "/api/v1/policy/versions", Role: admin, handle: s.publishPolicy},

		{Method: "POST", Path: "/api/v1/classify", Role: agent, handle: s.classifyText},
		{Method: "GET", Path: "/api/v1/classification/corrections", Role: supervisor, handle: s.listCorrections},
	}
}

// getByID answers GET …/{id} with the entity fetch returns for the id in
// the path: one handler for every resource read by its numeric id.
func getByID[T any](fetch func(context.Context, int64) (T, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := decode.PathID(r, "id")
		if err != nil {
			return err
		}
		v, err := fetch(r.Context(), id)
		if err != nil {
			return err
		}
		respond.JSON(w, http.StatusOK, v)
		return nil
	}
}
