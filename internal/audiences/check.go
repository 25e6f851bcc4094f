package audiences

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// CheckStep is one step of Test connection, in the words a merchant reads.
type CheckStep struct {
	Name    string
	OK      bool
	Skipped bool // not tried, because an earlier step failed
	Detail  string
}

// ConnectionReport is what Test connection found: each step of the sync's own path, and
// per website which datastream matched which Adobe Commerce destination connection and
// how many audiences it would bring.
type ConnectionReport struct {
	Steps    []CheckStep
	Websites []WebsiteMatch
	// SandboxAudiences is the number of audiences the sandbox reports (all of them, not
	// only those activated to the store).
	SandboxAudiences int
}

// OK reports whether every step passed.
func (r ConnectionReport) OK() bool {
	for _, s := range r.Steps {
		if !s.OK {
			return false
		}
	}
	return len(r.Steps) > 0
}

// The steps of Test connection, in order.
const (
	StepCredentials = "Credentials"
	StepToken       = "Access token from Adobe IMS"
	StepSpec        = "Adobe Commerce destination"
	StepConnections = "Destination connections and datastreams"
	StepFlows       = "Dataflows"
	StepAudiences   = "Audiences"
)

// TestConnection walks the sync's own path with the saved configuration — token,
// connection spec, target connections and flows (every page), the first page of
// audiences — and reports each step. It changes nothing; ctx bounds it.
func (s *Syncer) TestConnection(ctx context.Context) ConnectionReport {
	var r ConnectionReport
	steps := []string{StepCredentials, StepToken, StepSpec, StepConnections, StepFlows, StepAudiences}
	done := 0
	pass := func(detail string) {
		r.Steps = append(r.Steps, CheckStep{Name: steps[done], OK: true, Detail: detail})
		done++
	}
	fail := func(err error) ConnectionReport {
		r.Steps = append(r.Steps, CheckStep{Name: steps[done], Detail: Explain(err)})
		for _, name := range steps[done+1:] {
			r.Steps = append(r.Steps, CheckStep{Name: name, Skipped: true, Detail: "Not checked: an earlier step failed."})
		}
		return r
	}
	client, err := s.Client(ctx)
	if err != nil {
		return fail(err)
	}
	pass(fmt.Sprintf("Complete, for organization %s and sandbox %q.", client.creds.OrgID, client.creds.Sandbox))
	if _, err := client.Token(ctx); err != nil {
		return fail(err)
	}
	pass("Adobe issued an access token for the client ID.")
	act, err := s.lookupActivation(ctx, client)
	if act == nil {
		return fail(err) // the configuration could not be read
	}
	r.Websites = act.sites
	if !act.gotSpec {
		return fail(err)
	}
	pass(fmt.Sprintf("Connection spec %s (%s).", act.spec.ID, act.spec.Name))
	if !act.gotConns || errors.Is(err, ErrDatastreamsUnmatched) {
		return fail(err)
	}
	matched := 0
	for _, w := range act.sites {
		if len(w.Connections) > 0 {
			matched++
		}
	}
	pass(fmt.Sprintf("%d Adobe Commerce destination connection(s); %d of %d website datastream(s) matched.", len(act.conns), matched, len(act.sites)))
	if err != nil {
		return fail(err)
	}
	enabled := 0
	for _, f := range act.flows {
		if f.Enabled() {
			enabled++
		}
	}
	pass(fmt.Sprintf("%d dataflow(s) to these connections, %d enabled.", len(act.flows), enabled))
	n, err := client.FirstAudiencePage(ctx)
	if err != nil {
		return fail(err)
	}
	r.SandboxAudiences = n
	pass(fmt.Sprintf("The audiences API answers: %d audience(s) in the sandbox.", n))
	return r
}

// Explain says in plain words what a CDP error means and what to do about it, for the
// admin and the command line; it never shows an upstream answer's body.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var se *StatusError
	reason := func() string {
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			return msg[i+2:]
		}
		return msg
	}
	switch {
	case errors.Is(err, ErrNotConfigured):
		return "The credentials are incomplete: enter the client ID, client secret, organization ID and sandbox name, and save."
	case errors.Is(err, ErrBadCredentials):
		return "Adobe refused the client ID or client secret: check them against the Developer Console project (or import its workspace file again)."
	case errors.Is(err, ErrNoPermission):
		return "The credentials work, but may not read this in the sandbox: check the sandbox name and the product profile of the Developer Console project."
	case errors.Is(err, ErrUnreachable):
		return "Adobe could not be reached (" + reason() + "). Check the network and the IMS and Platform API URLs."
	case errors.As(err, &se):
		return fmt.Sprintf("Adobe answered with an error (HTTP %d from %s). Try again in a few minutes.", se.Status, se.URL)
	case errors.Is(err, ErrMalformed):
		return "Adobe's answer could not be read (" + reason() + "). Check that the Platform API URL is Adobe's."
	case errors.Is(err, ErrNoCommerceDestination), errors.Is(err, ErrSeveralCommerceSpecs),
		errors.Is(err, ErrNoDatastreams), errors.Is(err, ErrDatastreamsUnmatched):
		msg := err.Error()
		return strings.ToUpper(msg[:1]) + msg[1:] + "."
	}
	return "The check failed: " + err.Error()
}
