import './base.css';
import './experiments.css';
import './runs.css';
