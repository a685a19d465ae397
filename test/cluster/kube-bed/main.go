// Command kube-bed is one binary that runs any of the control-plane
// components the test bed needs. A single binary links once instead of four
// times, which is most of a cold build on a small machine.
//
//	kube-bed etcd [flags]
//	kube-bed kube-apiserver [flags]
//	kube-bed kube-controller-manager [flags]
//	kube-bed kube-scheduler [flags]
//	kube-bed certs DIR
package main

import (
	"fmt"
	"os"
	_ "time/tzdata"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kube-bed certs|etcd|kube-apiserver|kube-controller-manager|kube-scheduler [args]")
		os.Exit(2)
	}
	component, args := os.Args[1], os.Args[2:]
	var command *cobra.Command
	switch component {
	case "certs":
		if len(args) != 1 {
			fmt.Fprintln(os.Stderr, "usage: kube-bed certs DIR")
			os.Exit(2)
		}
		if err := writeCerts(args[0]); err != nil {
			fmt.Fprintln(os.Stderr, "kube-bed certs:", err)
			os.Exit(1)
		}
		return
	case "etcd":
		etcdmain.Main(append([]string{"etcd"}, args...))
		return
	case "kube-apiserver":
		command = apiserver.NewAPIServerCommand()
	case "kube-controller-manager":
		command = controllermanager.NewControllerManagerCommand()
	case "kube-scheduler":
		command = scheduler.NewSchedulerCommand()
	default:
		fmt.Fprintf(os.Stderr, "kube-bed: unknown component %q\n", component)
		os.Exit(2)
	}
	command.SetArgs(args)
	os.Exit(cli.Run(command))
}
