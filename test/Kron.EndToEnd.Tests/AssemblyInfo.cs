// Each test here starts real kron serve processes (up to four, with PostgreSQL); run in parallel on a small machine
// they starve each other and turn timing into noise. One test class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
