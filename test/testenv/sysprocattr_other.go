//go:build unix && !linux

package testenv

import "syscall"

// childSysProcAttr puts a child in its own process group, so that stop can
// signal the group.
// NOTE: only Linux has a parent-death signal, so here a child outlives a
// test binary that crashed.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
