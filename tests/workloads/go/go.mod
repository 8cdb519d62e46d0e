module hacher.dev/workload

go 1.19
