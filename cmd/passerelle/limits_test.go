package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestServeLimits checks that serve's limit flags and their PASSERELLE_*
// variables reach the server, and that the default budgets let a client
// page quickly through the catalogue.
func TestServeLimits(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
		// 150 reads as fast as one client sends them, in the default
		// burst of 200.
		for i := range 150 {
			if status, env := s.action("package_list", "", nil); status != http.StatusOK {
				t.Fatalf("read %d: %d %v", i, status, env.Error)
			}
		}
	})
	t.Run("flags", func(t *testing.T) {
		s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--read-rate", "0.01", "--read-burst", "2")
		for range 2 {
			s.mustAction("status_show", "", nil)
		}
		status, env := s.action("status_show", "", nil)
		if status != http.StatusTooManyRequests || env.Error["__type"] != "Rate Limit Error" {
			t.Errorf("third read: %d %v, want 429 Rate Limit Error", status, env.Error)
		}
	})
	t.Run("environment", func(t *testing.T) {
		t.Setenv("PASSERELLE_WRITE_RATE", "0.01")
		t.Setenv("PASSERELLE_WRITE_BURST", "2") // the refused body counts too
		t.Setenv("PASSERELLE_BOOTSTRAP_TOKEN", "jeton-de-test")
		t.Setenv("PASSERELLE_MAX_BODY_BYTES", "1000")
		s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
		status, env := s.action("organization_create", "jeton-de-test", map[string]any{"name": "ville", "description": strings.Repeat("a", 1000)})
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("body over PASSERELLE_MAX_BODY_BYTES: %d %v, want 413", status, env.Error)
		}
		s.mustAction("organization_create", "jeton-de-test", map[string]any{"name": "ville"})
		if status, env := s.action("organization_create", "jeton-de-test", map[string]any{"name": "ville-b"}); status != http.StatusTooManyRequests {
			t.Errorf("third write: %d %v, want 429", status, env.Error)
		}
	})
	t.Run("bad values", func(t *testing.T) {
		for _, args := range [][]string{
			{"--trusted-proxies", "10.0.0.0/8,proxy.example"},
			{"--read-rate", "-1"},
		} {
			_, _, err := runCLI(t, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...)...)
			if err == nil || !strings.Contains(err.Error(), args[0]) {
				t.Errorf("serve %v: %v, want an error naming %s", args, err, args[0])
			}
		}
	})
}
