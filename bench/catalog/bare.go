package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

// routes is a repeatable -route PATH=FILE flag.
type routes map[string]string

func (r routes) String() string { return fmt.Sprint(map[string]string(r)) }

func (r routes) Set(v string) error {
	path, file, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("route %q: want /PATH=FILE", v)
	}
	r[path] = file
	return nil
}

// bare serves fixed bytes from memory with gin and no middleware: the
// most the framework allows, wrk's reference for package_show and
// package_search. It answers until SIGINT or SIGTERM.
func bare(args []string) error {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18081", "loopback address to listen on")
	rs := routes{}
	fs.Var(rs, "route", "PATH=FILE: serve FILE's bytes at GET PATH (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkLoopback("http://" + *addr); err != nil {
		return err
	}
	if len(rs) == 0 {
		return errors.New("no -route")
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	for path, file := range rs {
		body, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		r.GET(path, func(c *gin.Context) {
			c.Data(http.StatusOK, "application/json;charset=utf-8", body)
		})
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hs := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// rssSampler prints the largest and mean RSS of a process, sampled every
// interval until SIGINT or SIGTERM, or for the given duration.
func rssSampler(args []string) error {
	fs := flag.NewFlagSet("rss", flag.ContinueOnError)
	pid := fs.Int("pid", 0, "process id")
	every := fs.Duration("every", 100*time.Millisecond, "sampling interval")
	dur := fs.Duration("for", 0, "sample this long (default: until signalled)")
	name := fs.String("name", "rss", "figure name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *dur)
		defer cancel()
	}
	w := watchRSS(*pid, *every)
	<-ctx.Done()
	peak, mean, err := w.Stop()
	if err != nil {
		return err
	}
	figure(*name+".max", peak, "MiB")
	figure(*name+".mean", mean, "MiB")
	return nil
}
