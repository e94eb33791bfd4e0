module example.com/lockdep

go 1.26.0
