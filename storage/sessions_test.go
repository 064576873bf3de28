package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

const sessionTTL = 8 * time.Hour

// mintToken stores an editor token of org and returns its id.
func mintToken(t *testing.T, db *storage.DB, org string) string {
	t.Helper()
	tok := &catalog.Token{Name: "agent", OrgID: org}
	if _, err := storage.NewTokenService(db).CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return tok.ID
}

func mustFindSession(t *testing.T, st *storage.SessionStore, id string) *catalog.Session {
	t.Helper()
	sess, err := st.FindSession(context.Background(), id, sessionTTL)
	if err != nil {
		t.Fatalf("find session: %v", err)
	}
	return sess
}

func mustNotFindSession(t *testing.T, st *storage.SessionStore, id, why string) {
	t.Helper()
	if sess, err := st.FindSession(context.Background(), id, sessionTTL); catalog.ErrorKind(err) != catalog.KindNotFound {
		t.Errorf("%s: got %+v, %v; want not found", why, sess, err)
	}
}

// TestSessions: a session stands for its token, only its id's hash is
// stored, its expiry slides with use but is written once a minute at most,
// and it ends with sign-out, expiry or its token.
func TestSessions(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		_, org := setup(t, db)
		tokenID := mintToken(t, db, "commune")
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		st := storage.NewSessionStore(db)

		const id = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE"
		sess, err := st.CreateSession(ctx, id, tokenID, sessionTTL)
		if err != nil {
			t.Fatal(err)
		}
		want := catalog.Principal{TokenID: tokenID, Name: "agent", OrgID: org.ID}
		if *sess.Principal != want || !sess.Created.Equal(now) || !sess.Expires.Equal(now.Add(sessionTTL)) {
			t.Errorf("created %+v %+v", sess, sess.Principal)
		}
		hashes, err := storage.SessionHashes(db)
		if err != nil || !slices.Equal(hashes, []string{catalog.HashToken(id)}) {
			t.Errorf("stored ids %q, %v; want only the hash", hashes, err)
		}
		for _, bad := range []string{"", "x", id[:42], id + "A", catalog.HashToken(id), "' OR 1=1 --"} {
			mustNotFindSession(t, st, bad, "id "+bad)
		}

		// Seen 30 s later: nothing written. 2 min later: the expiry moves.
		now = now.Add(30 * time.Second)
		if sess := mustFindSession(t, st, id); !sess.LastSeen.Equal(sess.Created) || !sess.Expires.Equal(sess.Created.Add(sessionTTL)) {
			t.Errorf("a use 30 s after the last one was written: %+v", sess)
		}
		now = now.Add(90 * time.Second)
		if sess := mustFindSession(t, st, id); !sess.LastSeen.Equal(now) || !sess.Expires.Equal(now.Add(sessionTTL)) {
			t.Errorf("a use 2 min after the last one did not slide the expiry: %+v", sess)
		}
		// 7 h later, then 7 h more: still there, as used within each 8 h.
		for range 2 {
			now = now.Add(7 * time.Hour)
			mustFindSession(t, st, id)
		}
		now = now.Add(sessionTTL + time.Second)
		mustNotFindSession(t, st, id, "8 h without use")

		// Sign-out, twice.
		const other = "b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcm90aGVyb3Q"
		if _, err := st.CreateSession(ctx, other, tokenID, sessionTTL); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := st.DeleteSession(ctx, other); err != nil {
				t.Errorf("delete: %v", err)
			}
		}
		mustNotFindSession(t, st, other, "after sign-out")

		// The token deleted: its sessions end with it.
		if _, err := st.CreateSession(ctx, other, tokenID, sessionTTL); err != nil {
			t.Fatal(err)
		}
		if err := storage.Exec(db, "DELETE FROM api_tokens WHERE id = ?", tokenID); err != nil {
			t.Fatalf("delete the token: %v", err)
		}
		mustNotFindSession(t, st, other, "token deleted")
		if _, err := st.CreateSession(ctx, "dGhpcmR0aGlyZHRoaXJkdGhpcmR0aGlyZHRoaXJkdGg", tokenID, sessionTTL); catalog.ErrorKind(err) != catalog.KindNotFound {
			t.Errorf("session for a deleted token: %v", err)
		}
	})
}

// TestSessionSweep: a sign-in deletes expired sessions, a bounded batch at
// a time, and leaves live ones.
func TestSessionSweep(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		setup(t, db)
		tokenID := mintToken(t, db, "commune")
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		st := storage.NewSessionStore(db)
		const expired = 130 // more than one batch (100)
		for i := range expired {
			if _, err := st.CreateSession(ctx, catalog.HashToken(string(rune(i))), tokenID, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.CreateSession(ctx, "live", tokenID, sessionTTL); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * time.Minute)
		count := func() int {
			t.Helper()
			h, err := storage.SessionHashes(db)
			if err != nil {
				t.Fatal(err)
			}
			return len(h)
		}
		for i, want := range []int{expired + 2 - 100, 3, 4} {
			if _, err := st.CreateSession(ctx, "new"+string(rune('a'+i)), tokenID, sessionTTL); err != nil {
				t.Fatal(err)
			}
			if got := count(); got != want {
				t.Errorf("after sign-in %d: %d sessions stored, want %d", i+1, got, want)
			}
		}
		mustFindSession(t, st, "live")
	})
}

// TestSessionsMigration: the sessions migration applies to a catalogue an
// older release made, and its tokens can then sign in.
func TestSessionsMigration(t *testing.T) {
	storagetest.RunConfig(t, func(t *testing.T, cfg storage.Config) {
		ctx := context.Background()
		old, err := storage.OpenBefore(ctx, cfg, "0009_web_sessions")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := storage.NewSessionStore(old).FindSession(ctx, "x", sessionTTL); catalog.ErrorKind(err) != catalog.KindInternal {
			t.Fatalf("the old catalogue already has sessions: %v", err)
		}
		// A token as the old release stored it (with its own columns, not
		// today's code).
		const tokenID = "00000000-0000-0000-0000-000000000001"
		err = storage.Exec(old, "INSERT INTO api_tokens (id, name, hash, sysadmin, created) VALUES (?, ?, ?, ?, ?)",
			tokenID, "ancien", catalog.HashToken("psl_ancien"), true, time.Now().UTC())
		if err != nil {
			t.Fatal(err)
		}
		old.Close()

		db, err := storage.Open(ctx, cfg)
		if err != nil {
			t.Fatalf("migrate: %v", err)
		}
		defer db.Close()
		st := storage.NewSessionStore(db)
		if _, err := st.CreateSession(ctx, "after-upgrade", tokenID, sessionTTL); err != nil {
			t.Fatal(err)
		}
		if sess := mustFindSession(t, st, "after-upgrade"); sess.Principal.Name != "ancien" || !sess.Principal.Sysadmin {
			t.Errorf("principal %+v", sess.Principal)
		}
	})
}
