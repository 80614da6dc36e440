package normalize

import (
	"fmt"
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	s := os.Getenv("NT")
	if s == "" {
		t.Skip()
	}
	x := New(s)
	for _, tk := range x.Tokens {
		fmt.Printf("%q k=%d f=%b s=%d lower=%q fold=%q key=%q marks=%q\n", s[tk.Start:tk.End], tk.Kind, tk.Flags, tk.Sentence, tk.Lower, tk.Fold, tk.Key, tk.Marks)
	}
	fmt.Println(x.Sentences, x.Exclamations, x.Questions, x.Turkish)
}
