// Command etcd runs the etcd server of the pinned go.etcd.io/etcd/server/v3
// release, for the end-to-end test cluster.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
