package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/errorpages"
)

// handleError is the one place errors become responses: domain "not found" errors become
// 404 pages, a refused CSRF token a 403 page, an oversized body a 413 page, anything
// unexpected a 500 page that shows a reference while the details go to the log.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	v := errorpages.View{RequestID: requestIDOf(c)}
	var he *echo.HTTPError
	var ve validation.Errors
	switch {
	case errors.Is(err, errCSRF), isCrossSiteRefusal(err):
		v.Status, v.Heading = http.StatusForbidden, "This form has expired"
		v.Message = "For your security the request was refused: the form was open too long, or it came from another site. Go back, reload the page and try again."
	case errors.Is(err, errForbidden):
		v.Status, v.Heading = http.StatusForbidden, "You do not have access"
		v.Message = fmt.Sprintf("Your role (%s) does not allow this page or action. If you need it, ask an administrator to change your role.", auth.RoleLabel(currentAdmin(c).Role))
	case errors.Is(err, errSignInFirst):
		v.Status, v.Heading = http.StatusForbidden, "Sign in first"
		v.Message = "Your session has ended. Sign in again, then repeat what you were doing."
	case errors.Is(err, auth.ErrNotFound), errors.Is(err, stores.ErrNotFound), errors.Is(err, audiences.ErrNotFound), errors.Is(err, pricerules.ErrNotFound), errors.Is(err, dynamicblocks.ErrNotFound), errors.Is(err, customers.ErrNotFound), errors.Is(err, checkout.ErrOrderNotFound), errors.Is(err, audit.ErrNotFound):
		v.Status, v.Heading = http.StatusNotFound, "Not found"
		v.Message = "What you are looking for does not exist. It may have been removed, or the link is out of date."
	case errors.As(err, &ve):
		v.Status, v.Heading = http.StatusUnprocessableEntity, "Some values are not valid"
		v.Message = "Go back and check what you entered. Nothing was saved."
	case errors.As(err, &he):
		v.Status = he.Code
		switch he.Code {
		case http.StatusNotFound:
			v.Heading, v.Message = "Page not found", "There is no page at this address. It may have moved, or the link is out of date."
		case http.StatusMethodNotAllowed:
			v.Heading, v.Message = "Not allowed", "This page does not accept that kind of request."
		case http.StatusRequestEntityTooLarge:
			v.Heading, v.Message = "Too much data", "What you sent is larger than 1 MB, so nothing was saved. Send a smaller file or less text."
		case http.StatusForbidden:
			v.Heading, v.Message = "Not allowed", "You are not allowed to do that."
		case http.StatusServiceUnavailable:
			v.Heading, v.Message = "Busy", "The service is busy. Try again in a moment."
		default:
			if he.Code >= 500 {
				s.logServerError(c, err)
				v.Heading, v.Message = "Something went wrong", "The error has been logged. If it keeps happening, give the reference below to your administrator."
			} else {
				v.Heading, v.Message = "Request not accepted", "The request could not be understood. Go back and try again."
			}
		}
	case errors.Is(err, context.DeadlineExceeded):
		s.logServerError(c, err)
		v.Status, v.Heading = http.StatusServiceUnavailable, "This took too long"
		v.Message = "The request did not finish in time and was stopped. Try again in a moment."
	default:
		s.logServerError(c, err)
		v.Status, v.Heading = http.StatusInternalServerError, "Something went wrong"
		v.Message = "The error has been logged. If it keeps happening, give the reference below to your administrator."
	}
	if v.Status < 500 {
		v.RequestID = ""
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(v.Status)
		return
	}
	// API clients get a GraphQL error, not a page.
	if c.Path() == "/graphql" || strings.HasPrefix(c.Request().URL.Path, "/graphql") {
		category := "graphql-input"
		if v.Status >= 500 {
			category = "internal"
		}
		_ = c.JSON(v.Status, map[string]any{"errors": []map[string]any{{"message": v.Message, "extensions": map[string]any{"category": category}}}})
		return
	}
	v.SignedIn = currentAdmin(c).ID != 0
	v.Base = s.base(c, v.Heading, "")
	if err := render(c, v.Status, errorpages.Page(v)); err != nil {
		s.logServerError(c, err)
		_ = c.String(http.StatusInternalServerError, "Internal error. Reference: "+requestIDOf(c))
	}
}

func (s *Server) logServerError(c echo.Context, err error) {
	s.deps.Logger.Error("request failed", "request_id", requestIDOf(c), "method", c.Request().Method, "path", c.Request().URL.Path, "error", err.Error())
}

// isCrossSiteRefusal recognises the CSRF middleware's own refusal of a cross-site request.
func isCrossSiteRefusal(err error) bool {
	var he *echo.HTTPError
	return errors.As(err, &he) && he.Code == http.StatusForbidden && strings.Contains(fmt.Sprint(he.Message), "CSRF")
}
