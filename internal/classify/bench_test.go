package classify

import (
	"runtime"
	"sort"
	"testing"
	"time"

	"destek/internal/classify/dataset"
)

// benchTexts are the shared dev set's messages, or the package's own set
// when the shared one is not there.
func benchTexts(b *testing.B) []string {
	b.Helper()
	set, err := dataset.ReadSupport("/work/shared/eval/dev.jsonl")
	if err != nil {
		if set, err = dataset.ReadSupport("testdata/extra.jsonl"); err != nil {
			b.Fatal(err)
		}
	}
	texts := make([]string, len(set))
	for i, m := range set {
		texts[i] = m.Text
	}
	return texts
}

// BenchmarkClassify classifies the dev set's messages one after another
// and reports messages per second and the 50th and 99th percentile
// latency of one message. Run with -cpu 1 for the one-core figure.
func BenchmarkClassify(b *testing.B) {
	texts := benchTexts(b)
	e := Default()
	for _, s := range texts { // warm the pools
		e.Classify(s)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		e.Classify(texts[i%len(texts)])
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkClassifyParallel is the same on every core, for servers.
func BenchmarkClassifyParallel(b *testing.B) {
	texts := benchTexts(b)
	e := Default()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			e.Classify(texts[i%len(texts)])
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkNew builds an engine (word lists compiled; the models are read
// once and shared) and reports the heap one engine holds, models included.
func BenchmarkNew(b *testing.B) {
	var m0, m1 runtime.MemStats
	loadModels() // count the models in; Default may have read them already
	runtime.GC()
	runtime.ReadMemStats(&m0)
	e, err := New(DefaultTaxonomy())
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	runtime.KeepAlive(e)
	engine := float64(m1.HeapAlloc-m0.HeapAlloc) / (1 << 20)
	var models float64
	for _, m := range e.models {
		models += float64(len(m.W)) / (1 << 20)
	}
	for i := 0; i < b.N; i++ {
		if _, err := New(DefaultTaxonomy()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(engine, "MiB-lists")
	b.ReportMetric(models, "MiB-models")
}
