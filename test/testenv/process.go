package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

const (
	// stopGracePeriod is how long stop waits after SIGTERM before SIGKILL.
	stopGracePeriod = 5 * time.Second
	// pollInterval is the pause between two readiness checks.
	pollInterval = 100 * time.Millisecond
	// portAttempts is how many sets of ports a component gets when another
	// process takes a picked port before the component binds it.
	portAttempts = 3
	// logTailBytes is how much of a log file an error message quotes.
	logTailBytes = 3000
)

// process is a child process whose standard output and error go to a log file.
type process struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	// exited is closed after the process has exited and waitErr is set.
	exited  chan struct{}
	waitErr error
}

// startProcess starts path with args in its own process group and returns
// at once. The log file is truncated first.
func (e *Env) startProcess(name, path string, args []string, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open log file of %s: %w", name, err)
	}

	cmd := exec.Command(path, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Dir = e.Dir
	cmd.SysProcAttr = childSysProcAttr()
	if err := e.spawner.start(cmd); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}

	p := &process{name: name, logPath: logPath, cmd: cmd, exited: make(chan struct{})}
	e.addProcess(p)
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()

	return p, nil
}

func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after
// stopGracePeriod, and returns after the process has exited.
func (p *process) stop(logf func(string, ...any)) {
	if p.hasExited() {
		return
	}

	pgid := p.cmd.Process.Pid
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		logf("testenv: send SIGTERM to %s (process group %d): %v", p.name, pgid, err)
	}

	timer := time.NewTimer(stopGracePeriod)
	defer timer.Stop()
	select {
	case <-p.exited:
		return
	case <-timer.C:
	}

	logf("testenv: %s (pid %d) still running %s after SIGTERM, sending SIGKILL", p.name, pgid, stopGracePeriod)
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		logf("testenv: send SIGKILL to %s (process group %d): %v", p.name, pgid, err)
	}
	<-p.exited
}

// waitReady calls check every pollInterval until it returns nil. It fails
// when the process exits or ctx ends first, and the error quotes the tail of
// the process's log.
func (p *process) waitReady(ctx context.Context, check func(ctx context.Context) error) error {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()

	var lastErr error
	for {
		checkCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		lastErr = check(checkCtx)
		cancel()
		if lastErr == nil {
			return nil
		}

		select {
		case <-p.exited:
			return fmt.Errorf("%s (pid %d) exited before it was ready: %v\n%s", p.name, p.cmd.Process.Pid, p.waitErr, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%s (pid %d) not ready: %w (last check: %v)\n%s", p.name, p.cmd.Process.Pid, ctx.Err(), lastErr, p.logTail())
		case <-ticker.C:
		}
	}
}

// failedToBind reports whether the process exited because a port was in use.
func (p *process) failedToBind() bool {
	if !p.hasExited() {
		return false
	}
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return false
	}

	return bytes.Contains(bytes.ToLower(data), []byte("address already in use"))
}

func (p *process) logTail() string {
	return "last lines of " + p.logPath + ":\n" + readTail(p.logPath, logTailBytes)
}

// readTail returns up to limit bytes from the end of the file at path,
// starting at a line boundary.
func readTail(path string, limit int64) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	defer f.Close()

	info, err := f.Stat()
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	offset := max(info.Size()-limit, 0)
	data, err := io.ReadAll(io.NewSectionReader(f, offset, info.Size()-offset))
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	text := string(data)
	if offset > 0 {
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			text = text[i+1:]
		}
	}
	if strings.TrimSpace(text) == "" {
		return "(log is empty)"
	}

	return text
}

// launchOnFreePorts picks count free ports on 127.0.0.1 and calls launch
// with them. Between picking a port and the child binding it, another
// process may take it, so a launch whose process exited with "address
// already in use" is retried with new ports, up to portAttempts times.
// launch returns the process it started, if any, and an error unless that
// process is ready.
func (e *Env) launchOnFreePorts(ctx context.Context, name string, count int, launch func(ctx context.Context, ports []int) (*process, error)) error {
	var err error
	for attempt := 1; attempt <= portAttempts; attempt++ {
		var ports []int
		ports, err = freePorts(count)
		if err != nil {
			return fmt.Errorf("pick ports for %s: %w", name, err)
		}

		var p *process
		p, err = launch(ctx, ports)
		if err == nil {
			return nil
		}
		if p == nil || !p.failedToBind() || ctx.Err() != nil {
			return err
		}
		e.logf("testenv: %s could not bind one of the ports %v (attempt %d of %d), retrying with new ports", name, ports, attempt, portAttempts)
	}

	return err
}

// freePorts returns count distinct ports that were free on 127.0.0.1 a
// moment ago. All listeners are open at the same time so that the ports differ.
func freePorts(count int) ([]int, error) {
	listeners := make([]net.Listener, 0, count)
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()

	ports := make([]int, 0, count)
	for range count {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}

	return ports, nil
}

// spawner starts child processes from one goroutine locked to its OS thread.
// On Linux, Pdeathsig fires when the thread that forked the child exits, not
// when the process exits. The Go runtime ends a thread when a goroutine
// locked to it returns without unlocking, which could kill a child that an
// ordinary goroutine had forked on that thread. The locked thread here stays
// alive until close, after the children have been stopped.
type spawner struct {
	requests chan spawnRequest
	done     chan struct{}
}

type spawnRequest struct {
	cmd    *exec.Cmd
	result chan error
}

func newSpawner() *spawner {
	s := &spawner{requests: make(chan spawnRequest), done: make(chan struct{})}
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(s.done)
		for request := range s.requests {
			request.result <- request.cmd.Start()
		}
	}()

	return s
}

func (s *spawner) start(cmd *exec.Cmd) error {
	result := make(chan error, 1)
	s.requests <- spawnRequest{cmd: cmd, result: result}

	return <-result
}

func (s *spawner) close() {
	close(s.requests)
	<-s.done
}
