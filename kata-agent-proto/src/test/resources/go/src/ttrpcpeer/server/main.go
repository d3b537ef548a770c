// A ttrpc server built on containerd's Go ttrpc, serving grpc.Health on the unix socket named by the first
// argument, for the Java client's interoperability test. It prints READY once it listens.
//
//	Check(service): "ok" → SERVING; "fail" → NotFound; "sleep" → waits for the caller's deadline
//	Version(service): grpc_version "deadline=<bool>", agent_version "<x-test metadata values>|<service>";
//	                  "big" answers with a 5 MiB agent_version; "call-N" answers after N%5 ms
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"ttrpcpeer/health"
)

func check(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
	var req health.CheckRequest
	if err := unmarshal(&req); err != nil {
		return nil, err
	}
	switch req.Service {
	case "fail":
		return nil, status.Errorf(codes.NotFound, "no service named %q", req.Service)
	case "sleep":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &health.HealthCheckResponse{Status: health.Serving}, nil
}

func version(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
	var req health.CheckRequest
	if err := unmarshal(&req); err != nil {
		return nil, err
	}
	if req.Service == "big" {
		return &health.VersionCheckResponse{AgentVersion: strings.Repeat("x", 5<<20)}, nil
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(req.Service, "call-")); err == nil {
		time.Sleep(time.Duration(n%5) * time.Millisecond)
	}
	md, _ := ttrpc.GetMetadata(ctx)
	values, _ := md.Get("x-test")
	_, hasDeadline := ctx.Deadline()
	return &health.VersionCheckResponse{
		GrpcVersion:  fmt.Sprintf("deadline=%v", hasDeadline),
		AgentVersion: strings.Join(values, ",") + "|" + req.Service,
	}, nil
}

func main() {
	listener, err := net.Listen("unix", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server, err := ttrpc.NewServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server.Register("grpc.Health", map[string]ttrpc.Method{"Check": check, "Version": version})
	fmt.Println("READY")
	if err := server.Serve(context.Background(), listener); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
