package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
)

// Web sessions. Signing in with an API token stores its principal on the
// server under a random session id; the browser only holds that id, in an
// HttpOnly, SameSite=Lax cookie (Secure behind https). Anonymous visitors
// who are shown a form get an id too, that maps to nothing: it only keys
// their CSRF token.
//
// Sessions live in this process's memory: a restart signs everyone out,
// and several instances behind a load balancer need sticky sessions.

const (
	sessionCookie = "passerelle_session"
	// sessionTTL is how long a sign-in lasts without being used.
	sessionTTL = 8 * time.Hour
	// maxSessions bounds the memory sessions take; the oldest go first.
	maxSessions = 100_000
)

type session struct {
	id        string
	principal *catalog.Principal
	expires   time.Time
}

// sessionStore maps session ids to principals.
type sessionStore struct {
	mu  sync.Mutex
	m   map[string]*session
	key []byte // HMAC key of CSRF tokens
}

func newSessionStore() *sessionStore {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return &sessionStore{m: map[string]*session{}, key: key}
}

// newSessionID returns 256 random bits, URL-safe.
func newSessionID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken is the token forms of session id carry: an HMAC of the id, so
// that it needs no storage and changes with the session.
func (st *sessionStore) csrfToken(id string) string {
	m := hmac.New(sha256.New, st.key)
	m.Write([]byte("csrf\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF compares a form's token with the session's in constant time.
func (st *sessionStore) checkCSRF(id, token string) bool {
	if id == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(st.csrfToken(id)), []byte(token))
}

// get returns the signed-in session of id, extending it, or nil.
func (st *sessionStore) get(id string) *session {
	st.mu.Lock()
	defer st.mu.Unlock()
	sess, ok := st.m[id]
	if !ok {
		return nil
	}
	now := time.Now()
	if now.After(sess.expires) {
		delete(st.m, id)
		return nil
	}
	sess.expires = now.Add(sessionTTL)
	return sess
}

// create stores a new signed-in session for p.
func (st *sessionStore) create(p *catalog.Principal) *session {
	sess := &session{id: newSessionID(), principal: p, expires: time.Now().Add(sessionTTL)}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.m) >= maxSessions {
		st.sweep()
	}
	st.m[sess.id] = sess
	return sess
}

// sweep drops expired sessions, and the ones closest to expiry while the
// store is still full. Called with mu held.
func (st *sessionStore) sweep() {
	now := time.Now()
	for id, s := range st.m {
		if now.After(s.expires) {
			delete(st.m, id)
		}
	}
	for len(st.m) >= maxSessions {
		var oldest *session
		for _, s := range st.m {
			if oldest == nil || s.expires.Before(oldest.expires) {
				oldest = s
			}
		}
		delete(st.m, oldest.id)
	}
}

func (st *sessionStore) remove(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.m, id)
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

// sessionOf returns the request's signed-in session, or nil.
func (s *Server) sessionOf(c *gin.Context) *session {
	id := sessionID(c)
	if id == "" {
		return nil
	}
	return s.sessions.get(id)
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
	p.CSRF = s.sessions.csrfToken(id)
	return p.CSRF
}

// csrfOK checks the token a POST form sent against the session cookie.
func (s *Server) csrfOK(c *gin.Context, token string) bool {
	return s.sessions.checkCSRF(sessionID(c), token)
}

// csrfFailed answers a POST whose CSRF token is missing or wrong.
func (s *Server) csrfFailed(c *gin.Context) {
	s.errorPage(c, http.StatusForbidden, "err_csrf")
}

// postedForm reads a small URL-encoded form and checks its CSRF token; on
// failure it has answered (400 for an unreadable body, 403 for the token)
// and returns false.
func (s *Server) postedForm(c *gin.Context) (url.Values, bool) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
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
	// A new id on sign-in: an id planted before cannot be ridden.
	if old := sessionID(c); old != "" {
		s.sessions.remove(old)
	}
	sess := s.sessions.create(principal)
	s.setSessionCookie(c, sess.id)
	s.log.Info("web sign-in", "token", principal.Name)
	c.Redirect(http.StatusSeeOther, "/")
}

// logout closes the session.
func (s *Server) logout(c *gin.Context) {
	if _, ok := s.postedForm(c); !ok {
		return
	}
	s.sessions.remove(sessionID(c))
	s.setSessionCookie(c, newSessionID())
	c.Redirect(http.StatusSeeOther, "/")
}
