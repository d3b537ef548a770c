// ttrpcbench: the Go side of benchmarks/scripts/ttrpc-rtt.sh, built on containerd's Go ttrpc (Debian 1.1.1,
// GOPATH mode, offline). One binary, two roles:
//
//	ttrpcbench server SOCKET             serves grpc.Health/Check on a unix socket; prints READY once it listens
//	ttrpcbench client SOCKET [N] [WARMUP] WARMUP untimed, then N timed sequential unary grpc.Health/Check calls;
//	                                      prints "calls=N median_us=X p99_us=Y mean_us=Z"
//
// The messages are declared like ttrpc declares its own envelope (plain structs with protobuf tags, marshalled by
// gogo/protobuf through reflection); field numbers match kata-agent-proto's health.proto.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/containerd/ttrpc"
)

type CheckRequest struct {
	Service string `protobuf:"bytes,1,opt,name=service,proto3"`
}

func (m *CheckRequest) Reset()         { *m = CheckRequest{} }
func (m *CheckRequest) String() string { return fmt.Sprintf("%+v", *m) }
func (*CheckRequest) ProtoMessage()    {}

type HealthCheckResponse struct {
	Status int32 `protobuf:"varint,1,opt,name=status,proto3"`
}

func (m *HealthCheckResponse) Reset()         { *m = HealthCheckResponse{} }
func (m *HealthCheckResponse) String() string { return fmt.Sprintf("%+v", *m) }
func (*HealthCheckResponse) ProtoMessage()    {}

const serving = 1

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "ttrpcbench: "+format+"\n", args...)
	os.Exit(1)
}

func serve(socket string) {
	listener, err := net.Listen("unix", socket)
	if err != nil {
		die("%v", err)
	}
	server, err := ttrpc.NewServer()
	if err != nil {
		die("%v", err)
	}
	server.Register("grpc.Health", map[string]ttrpc.Method{
		"Check": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			var req CheckRequest
			if err := unmarshal(&req); err != nil {
				return nil, err
			}
			return &HealthCheckResponse{Status: serving}, nil
		},
	})
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		server.Close()
		os.Remove(socket)
		os.Exit(0)
	}()
	fmt.Println("READY")
	if err := server.Serve(context.Background(), listener); err != nil && err != ttrpc.ErrServerClosed {
		die("%v", err)
	}
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	// nearest rank, the way JMH's sample mode reports p0.99
	rank := int(p*float64(len(sorted))+0.999999) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= len(sorted) {
		rank = len(sorted) - 1
	}
	return sorted[rank]
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

func client(socket string, calls, warmup int) {
	conn, err := net.Dial("unix", socket)
	if err != nil {
		die("%v", err)
	}
	c := ttrpc.NewClient(conn)
	defer c.Close()
	ctx := context.Background()
	req := &CheckRequest{Service: "agent"}
	var resp HealthCheckResponse
	call := func() {
		resp = HealthCheckResponse{}
		if err := c.Call(ctx, "grpc.Health", "Check", req, &resp); err != nil {
			die("call: %v", err)
		}
		if resp.Status != serving {
			die("unexpected status %d", resp.Status)
		}
	}
	for i := 0; i < warmup; i++ {
		call()
	}
	samples := make([]time.Duration, calls)
	var total time.Duration
	for i := range samples {
		start := time.Now()
		call()
		samples[i] = time.Since(start)
		total += samples[i]
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	fmt.Printf("calls=%d median_us=%.1f p99_us=%.1f mean_us=%.1f\n", calls,
		us(percentile(samples, 0.5)), us(percentile(samples, 0.99)), us(total)/float64(calls))
}

func atoi(s string, name string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		die("%s must be a positive integer, not %q", name, s)
	}
	return n
}

func main() {
	usage := "usage: ttrpcbench server SOCKET | ttrpcbench client SOCKET [CALLS] [WARMUP]"
	if len(os.Args) < 3 {
		die(usage)
	}
	switch os.Args[1] {
	case "server":
		serve(os.Args[2])
	case "client":
		calls, warmup := 20000, 20000
		if len(os.Args) > 3 {
			calls = atoi(os.Args[3], "CALLS")
		}
		if len(os.Args) > 4 {
			warmup = atoi(os.Args[4], "WARMUP")
		}
		client(os.Args[2], calls, warmup)
	default:
		die(usage)
	}
}
