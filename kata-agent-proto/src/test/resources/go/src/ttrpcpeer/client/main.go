// A ttrpc client built on containerd's Go ttrpc, calling grpc.Health on the unix socket named by the first
// argument, for the Java server's interoperability test. It prints one "name: outcome" line per call, where an
// outcome is either the answer or "code=<gRPC code> msg=<message>". The server is expected to behave like
// server/main.go.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/status"

	"ttrpcpeer/health"
)

func report(name, answer string, err error) {
	if err != nil {
		st, _ := status.FromError(err)
		fmt.Printf("%s: code=%s msg=%s\n", name, st.Code(), st.Message())
		return
	}
	fmt.Printf("%s: %s\n", name, answer)
}

func main() {
	conn, err := net.Dial("unix", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	client := ttrpc.NewClient(conn)
	defer client.Close()
	ctx := context.Background()

	var checked health.HealthCheckResponse
	err = client.Call(ctx, "grpc.Health", "Check", &health.CheckRequest{Service: "ok"}, &checked)
	report("check-ok", fmt.Sprintf("status=%d", checked.Status), err)

	err = client.Call(ctx, "grpc.Health", "Check", &health.CheckRequest{Service: "fail"}, &checked)
	report("check-fail", "", err)

	withMetadata := ttrpc.WithMetadata(ctx, ttrpc.MD{"x-test": {"a", "b"}})
	withDeadline, cancel := context.WithTimeout(withMetadata, 30*time.Second)
	defer cancel()
	var version health.VersionCheckResponse
	err = client.Call(withDeadline, "grpc.Health", "Version", &health.CheckRequest{Service: "go"}, &version)
	report("version", version.GrpcVersion+" "+version.AgentVersion, err)

	err = client.Call(ctx, "grpc.Health", "Nope", &health.CheckRequest{}, &checked)
	report("unknown-method", "", err)

	err = client.Call(ctx, "grpc.Nope", "Check", &health.CheckRequest{}, &checked)
	report("unknown-service", "", err)

	// ttrpc 1.1.1 sends oversized requests; the server must refuse this one without losing the connection.
	err = client.Call(ctx, "grpc.Health", "Check", &health.CheckRequest{Service: strings.Repeat("x", 5<<20)}, &checked)
	report("oversized", "", err)

	checked = health.HealthCheckResponse{}
	err = client.Call(ctx, "grpc.Health", "Check", &health.CheckRequest{Service: "ok"}, &checked)
	report("after-oversized", fmt.Sprintf("status=%d", checked.Status), err)

	const calls = 64
	var wg sync.WaitGroup
	failures := make(chan string, calls)
	for i := 0; i < calls; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			service := fmt.Sprintf("call-%d", i)
			var answer health.VersionCheckResponse
			if err := client.Call(ctx, "grpc.Health", "Version", &health.CheckRequest{Service: service}, &answer); err != nil {
				failures <- err.Error()
			} else if !strings.HasSuffix(answer.AgentVersion, "|"+service) {
				failures <- service + " got " + answer.AgentVersion
			}
		}(i)
	}
	wg.Wait()
	close(failures)
	var failed []string
	for f := range failures {
		failed = append(failed, f)
	}
	report("concurrent", fmt.Sprintf("%d calls, failures=%v", calls, failed), nil)
}
