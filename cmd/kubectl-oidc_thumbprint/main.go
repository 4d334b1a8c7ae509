// Command kubectl-oidc_thumbprint is the kubectl oidc-thumbprint plugin.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/oidc-thumbprint/kubectl-oidc-thumbprint/pkg/cmd"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the exit code, so that
// deferred calls run before the process exits.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	root := cmd.NewCmdRoot(streams)
	root.SetArgs(args)

	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	// An *ExitError without a message follows a report that explains the exit code.
	var exit *cmd.ExitError
	if !errors.As(err, &exit) || exit.Err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
	}

	return cmd.ExitCode(err)
}
