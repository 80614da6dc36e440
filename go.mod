module destek

go 1.26.8
