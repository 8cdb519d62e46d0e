// Acceptance workload 4: a static Go program (CGO_ENABLED=0) that needs the
// Go runtime's threads, futexes, timers, signals and a child process. Every
// line it prints is checked against computed values.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
)

func main() {
	// Goroutines and channels: eight workers sum the squares of their share.
	const n = 1000000
	const workers = 8
	jobs := make(chan int, workers)
	results := make(chan int64, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for part := range jobs {
				var s int64
				for k := part * n / workers; k < (part+1)*n/workers; k++ {
					s += int64(k) * int64(k)
				}
				results <- s
			}
		}()
	}
	for p := 0; p < workers; p++ {
		jobs <- p
	}
	close(jobs)
	wg.Wait()
	close(results)
	var total int64
	for s := range results {
		total += s
	}
	fmt.Println("goroutines:", workers, total)

	// Timers: a ticker, a timer and time.After race in one select loop.
	start := time.Now()
	ticker := time.NewTicker(20 * time.Millisecond)
	timer := time.NewTimer(150 * time.Millisecond)
	ticks := 0
loop:
	for {
		select {
		case <-ticker.C:
			ticks++
		case <-timer.C:
			break loop
		case <-time.After(5 * time.Second):
			fmt.Println("timers: stuck")
			os.Exit(1)
		}
	}
	ticker.Stop()
	elapsed := time.Since(start)
	fmt.Println("timers:", ticks >= 3, elapsed >= 150*time.Millisecond)

	// Garbage: allocate, drop, collect.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	keep := 0
	for i := 0; i < 200; i++ {
		b := make([]byte, 1<<16)
		b[i] = byte(i)
		keep += int(b[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	fmt.Println("gc:", after.NumGC > before.NumGC, keep)

	// os/exec: a child process with its output through a pipe.
	out, err := exec.Command("echo", "hi", "from", "a", "child").Output()
	if err != nil {
		fmt.Println("exec:", err)
		os.Exit(1)
	}
	fmt.Println("exec:", strings.TrimSpace(string(out)))
	fmt.Println("procs:", runtime.GOMAXPROCS(0) >= 1, runtime.NumGoroutine())
}
