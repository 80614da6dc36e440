// Command destek is a customer-support desk that enforces a written support
// interaction policy. Run `destek help` for its subcommands.
package main

import (
	"os"

	"destek/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
