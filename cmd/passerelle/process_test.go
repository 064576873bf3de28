package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// serveProcess is `passerelle serve` running as a child process, for the
// tests that kill, restart or multiply it (startServe runs it in the test
// process).
type serveProcess struct {
	cmd  *exec.Cmd
	url  string // http://ADDR once listening
	logs *syncBuffer
	addr chan string   // the address of the "listening" record
	done chan struct{} // closed once the process has exited
}

// launchProcess starts `bin serve` on a free loopback port, with env added
// to this process's environment and args after the command, and returns
// at once, so that several can start together. The test's end kills it.
func launchProcess(t *testing.T, bin string, env []string, args ...string) *serveProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, logs: &syncBuffer{}, addr: make(chan string, 1), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.logs.Write(append(sc.Bytes(), '\n'))
			if l := findLog(parseLog(sc.Text()), "listening"); l != nil {
				addr, _ := l["addr"].(string)
				select {
				case p.addr <- addr:
				default:
				}
			}
		}
		cmd.Wait() // after the last read of stderr, as exec requires
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p
}

// startProcess is launchProcess, then waitListening.
func startProcess(t *testing.T, bin string, env []string, args ...string) *serveProcess {
	t.Helper()
	p := launchProcess(t, bin, env, args...)
	p.waitListening(t)
	return p
}

// waitListening waits until the process logs its address and answers
// /healthz there.
func (p *serveProcess) waitListening(t *testing.T) {
	t.Helper()
	select {
	case addr := <-p.addr:
		p.url = "http://" + addr
	case <-p.done:
		t.Fatalf("serve exited before listening:\n%s", p.logs)
	case <-time.After(time.Minute):
		t.Fatalf("serve did not log its address within a minute:\n%s", p.logs)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz did not answer within 30s: %v", p.url, err)
		}
	}
}

// kill stops the process at once, as a crash or an OOM kill would, and
// waits for it to be gone.
func (p *serveProcess) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// term stops the server as an operator would, and waits.
func (p *serveProcess) term(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		t.Fatalf("serve still runs 40s after SIGTERM:\n%s", p.logs)
	}
}
