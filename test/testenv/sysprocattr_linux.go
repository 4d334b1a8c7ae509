package testenv

import "syscall"

// childSysProcAttr puts a child in its own process group, so that stop can
// signal the group, and has the kernel kill it when the forking thread ends,
// so that it does not outlive a test binary that crashed.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
