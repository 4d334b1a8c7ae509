package testenv

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

// newBareEnv returns an Env that can start processes but runs nothing yet.
func newBareEnv(t *testing.T) *Env {
	t.Helper()
	env := &Env{Dir: t.TempDir(), logf: t.Logf, spawner: newSpawner()}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})

	return env
}

func TestLaunchRetriesWhenPortTaken(t *testing.T) {
	env := newBareEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	attempts := 0
	err := env.launchOnFreePorts(ctx, "fake", 2, func(ctx context.Context, ports []int) (*process, error) {
		attempts++
		if len(ports) != 2 || ports[0] == ports[1] {
			t.Errorf("attempt %d got ports %v, expected two distinct ports", attempts, ports)
		}
		script := "sleep 60"
		if attempts == 1 {
			script = "echo 'listen tcp 127.0.0.1: bind: address already in use' >&2; exit 1"
		}
		p, err := env.startProcess("fake", "/bin/sh", []string{"-c", script}, env.Dir+"/fake.log")
		if err != nil {
			return nil, err
		}
		return p, p.waitReady(ctx, func(context.Context) error {
			if attempts == 1 {
				return errors.New("not listening")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatalf("launchOnFreePorts: %v", err)
	}
	if attempts != 2 {
		t.Errorf("launch ran %d times, expected 2", attempts)
	}
}

func TestLaunchStopsOnOtherFailure(t *testing.T) {
	env := newBareEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	attempts := 0
	err := env.launchOnFreePorts(ctx, "fake", 1, func(ctx context.Context, ports []int) (*process, error) {
		attempts++
		p, err := env.startProcess("fake", "/bin/sh", []string{"-c", "echo 'invalid flag --x' >&2; exit 2"}, env.Dir+"/fake.log")
		if err != nil {
			return nil, err
		}
		return p, p.waitReady(ctx, func(context.Context) error { return errors.New("not listening") })
	})
	if err == nil {
		t.Fatal("launchOnFreePorts succeeded, expected the exit error")
	}
	if attempts != 1 {
		t.Errorf("launch ran %d times, expected 1", attempts)
	}
	for _, fragment := range []string{"fake", "exited before it was ready", "invalid flag --x"} {
		if !strings.Contains(err.Error(), fragment) {
			t.Errorf("error %q does not contain %q", err, fragment)
		}
	}
}

func TestWaitReadyTimeoutQuotesLog(t *testing.T) {
	env := newBareEnv(t)
	p, err := env.startProcess("slow", "/bin/sh", []string{"-c", "echo loading plugins; sleep 60"}, env.Dir+"/slow.log")
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err = p.waitReady(ctx, func(context.Context) error { return errors.New("connection refused") })
	if err == nil {
		t.Fatal("waitReady succeeded, expected a timeout")
	}
	for _, fragment := range []string{"slow", "not ready", "context deadline exceeded", "connection refused", "loading plugins"} {
		if !strings.Contains(err.Error(), fragment) {
			t.Errorf("error %q does not contain %q", err, fragment)
		}
	}
}

func TestStopKillsProcessIgnoringSIGTERM(t *testing.T) {
	env := newBareEnv(t)
	p, err := env.startProcess("stubborn", "/bin/sh", []string{"-c", "trap '' TERM; echo ready; sleep 60"}, env.Dir+"/stubborn.log")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = p.waitReady(ctx, func(context.Context) error {
		if !strings.Contains(readTail(p.logPath, 100), "ready") {
			return errors.New("trap not set yet")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	p.stop(t.Logf)
	if !p.hasExited() {
		t.Fatal("process has not exited after stop")
	}
	// The shell's child "sleep" is killed with the group but is reaped by
	// init, not by this process, so its exit can lag a little behind stop.
	groupGone := false
	for range 50 {
		if err := syscall.Kill(-p.cmd.Process.Pid, 0); errors.Is(err, syscall.ESRCH) {
			groupGone = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !groupGone {
		t.Errorf("process group %d still exists 5s after stop", p.cmd.Process.Pid)
	}
}

func TestReadTailStartsAtLineBoundary(t *testing.T) {
	env := newBareEnv(t)
	p, err := env.startProcess("printer", "/bin/sh", []string{"-c", "for i in 1 2 3 4 5 6 7 8 9; do echo line-$i-xxxxxxxxxx; done"}, env.Dir+"/printer.log")
	if err != nil {
		t.Fatal(err)
	}
	<-p.exited

	tail := readTail(p.logPath, 50)
	if !strings.HasPrefix(tail, "line-") {
		t.Errorf("tail %q does not start at a line", tail)
	}
	if !strings.HasSuffix(tail, "line-9-xxxxxxxxxx\n") {
		t.Errorf("tail %q does not end with the last line", tail)
	}
}
