package cmd

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Set at build time with -ldflags "-X ...cmd.version=v1.2.3 -X ...cmd.commit=abc".
var (
	version = "dev"
	commit  = "unknown"
)

// VersionInfo is the output of the version command.
type VersionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// NewCmdVersion returns the version command.
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print the version of the plugin",
		Example: "  kubectl oidc-thumbprint version -o json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := VersionInfo{
				Version:   version,
				Commit:    commit,
				GoVersion: runtime.Version(),
				Platform:  runtime.GOOS + "/" + runtime.GOARCH,
			}
			switch output {
			case "":
				_, err := fmt.Fprintf(streams.Out, "%s (commit %s, %s, %s)\n", info.Version, info.Commit, info.GoVersion, info.Platform)
				return err
			case "json":
				data, err := json.MarshalIndent(info, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(streams.Out, "%s\n", data)
				return err
			default:
				return fmt.Errorf("invalid value %q for --output: allowed values are json, or none for text", output)
			}
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format: json, or empty for one line of text")

	return cmd
}
