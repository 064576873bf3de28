package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
)

// Web sessions. Signing in with an API token opens a session in the
// catalogue database (catalog.SessionStore) under a random id; the browser
// only holds that id, in an HttpOnly, SameSite=Lax cookie (Secure behind
// https). Anonymous visitors who are shown a form get an id too, that maps
// to nothing: it only keys their CSRF token. Nothing is kept in this
// process: any instance serves any visitor, and a restart signs no one
// out.

const (
	sessionCookie = "passerelle_session"
	// sessionTTL is how long a sign-in lasts without being used.
	sessionTTL = 8 * time.Hour
	// sessionKey caches the request's session in its gin.Context: a page
	// asks for it more than once (an error page after a form…).
	sessionKey = "passerelle.session"
)

// newSessionID returns 256 random bits, URL-safe.
func newSessionID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken is the token forms of session id carry: an HMAC keyed with the
// id, so that it needs no storage and no key shared between instances,
// changes with the session, and can only be made by whoever holds the id
// (the browser: the cookie is HttpOnly). The token does not reveal the id.
func csrfToken(id string) string {
	m := hmac.New(sha256.New, []byte(id))
	m.Write([]byte("passerelle csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF compares a form's token with the session's in constant time.
func checkCSRF(id, token string) bool {
	if id == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(csrfToken(id)), []byte(token))
}

// secureCookies says whether cookies get the Secure attribute: when the
// site is served over https.
func (s *Server) secureCookies() bool {
	return strings.HasPrefix(s.cfg.BaseURL, "https://")
}

func (s *Server) setSessionCookie(c *gin.Context, id string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(),
	})
}

// sessionID returns the id in the request's session cookie, or "".
func sessionID(c *gin.Context) string {
	ck, err := c.Request.Cookie(sessionCookie)
	if err != nil || len(ck.Value) != 43 {
		return ""
	}
	return ck.Value
}

// sessionOf returns the request's signed-in session, or nil: for no
// cookie, an unknown or expired id, and when the store fails (logged; the
// visitor sees the site as signed out rather than an error).
func (s *Server) sessionOf(c *gin.Context) *catalog.Session {
	if v, ok := c.Get(sessionKey); ok {
		return v.(*catalog.Session)
	}
	var sess *catalog.Session
	if id := sessionID(c); id != "" && s.svc.Sessions != nil {
		var err error
		sess, err = s.svc.Sessions.FindSession(c.Request.Context(), id, sessionTTL)
		if err != nil && catalog.ErrorKind(err) != catalog.KindNotFound {
			s.log.Error("find web session", "err", err)
		}
	}
	c.Set(sessionKey, sess)
	return sess
}

// formToken returns the CSRF token for a page with a form, giving an
// anonymous visitor a session id first if they have none.
func (s *Server) formToken(c *gin.Context, p *page) string {
	if p.CSRF != "" {
		return p.CSRF
	}
	id := sessionID(c)
	if id == "" {
		id = newSessionID()
		s.setSessionCookie(c, id)
	}
	p.CSRF = csrfToken(id)
	return p.CSRF
}

// csrfOK checks the token a POST form sent against the session cookie.
func (s *Server) csrfOK(c *gin.Context, token string) bool {
	return checkCSRF(sessionID(c), token)
}

// csrfFailed answers a POST whose CSRF token is missing or wrong.
func (s *Server) csrfFailed(c *gin.Context) {
	s.errorPage(c, http.StatusForbidden, "err_csrf")
}

// postedForm reads a URL-encoded form (within --max-body-bytes, as the
// actions' bodies) and checks its CSRF token; on
// failure it has answered (400 for an unreadable body, 403 for the token)
// and returns false.
func (s *Server) postedForm(c *gin.Context) (url.Values, bool) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.Limits.MaxBodyBytes)
	if err := c.Request.ParseForm(); err != nil {
		s.errorPage(c, http.StatusBadRequest, "err_bad_request")
		return nil, false
	}
	if !s.csrfOK(c, c.Request.PostForm.Get("csrf")) {
		s.csrfFailed(c)
		return nil, false
	}
	return c.Request.PostForm, true
}

// loginPage shows the sign-in form.
func (s *Server) loginPage(c *gin.Context) {
	p := s.newPage(c, "")
	p.Title = p.L.T("login_title")
	s.formToken(c, p)
	s.render(c, http.StatusOK, "login", p)
}

// login checks the token of the sign-in form and opens a session.
func (s *Server) login(c *gin.Context) {
	form, ok := s.postedForm(c)
	if !ok {
		return
	}
	p := s.newPage(c, "")
	p.Title = p.L.T("login_title")
	secret := strings.TrimSpace(form.Get("token"))
	if secret == "" {
		p.Errors = []formError{{"token", p.L.T("login_missing")}}
		s.formToken(c, p)
		s.render(c, http.StatusUnauthorized, "login", p)
		return
	}
	principal, err := s.svc.Tokens.Authenticate(c.Request.Context(), secret)
	if err != nil {
		if catalog.ErrorKind(err) != catalog.KindForbidden {
			s.pageError(c, err)
			return
		}
		s.log.Info("web sign-in refused", "remote", c.ClientIP())
		p.Errors = []formError{{"token", p.L.T("login_wrong")}}
		s.formToken(c, p)
		s.render(c, http.StatusUnauthorized, "login", p)
		return
	}
	if s.svc.Sessions == nil {
		s.pageError(c, errors.New("web sign-in: no session store"))
		return
	}
	ctx := c.Request.Context()
	// A new id on sign-in: an id planted before cannot be ridden.
	if old := sessionID(c); old != "" {
		if err := s.svc.Sessions.DeleteSession(ctx, old); err != nil {
			s.pageError(c, err)
			return
		}
	}
	id := newSessionID()
	if _, err := s.svc.Sessions.CreateSession(ctx, id, principal.TokenID, sessionTTL); err != nil {
		s.pageError(c, err)
		return
	}
	s.setSessionCookie(c, id)
	s.log.Info("web sign-in", "token", principal.Name)
	c.Redirect(http.StatusSeeOther, "/")
}

// logout closes the session.
func (s *Server) logout(c *gin.Context) {
	if _, ok := s.postedForm(c); !ok {
		return
	}
	if s.svc.Sessions != nil {
		if err := s.svc.Sessions.DeleteSession(c.Request.Context(), sessionID(c)); err != nil {
			s.pageError(c, err)
			return
		}
	}
	s.setSessionCookie(c, newSessionID())
	c.Redirect(http.StatusSeeOther, "/")
}
